//! The portable diesel schema shared by SQLite and PostgreSQL.
//!
//! Written by hand, not generated: only types both backends have (no
//! Timestamptz, Jsonb or arrays). Times are UTC `Timestamp`s; JSON is `Text`.
//! The migrations in `migrations/sqlite` and `migrations/postgres` must agree
//! with this file; `tests/storage.rs` exercises every table on both.
#![allow(missing_docs)]

diesel::table! {
    frameworks (id) {
        id -> Text,
        name -> Text,
        version -> Text,
        item_count -> Integer,
        catalog_hash -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    items (framework_id, number) {
        framework_id -> Text,
        number -> Integer,
        level -> Nullable<SmallInt>,
        category -> Nullable<Text>,
        responsible_area -> Nullable<Text>,
        subject_ja -> Text,
        subject_en -> Text,
        condition_text -> Nullable<Text>,
        criteria_text -> Nullable<Text>,
        examples_text -> Nullable<Text>,
        parts_json -> Text,
        tags_json -> Text,
        depends_on_json -> Text,
    }
}

diesel::table! {
    companies (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_key -> Text,
        industry -> Nullable<Text>,
        target_level -> SmallInt,
        impact_tier -> SmallInt,
        is_demo -> Bool,
        created_at -> Timestamp,
        code_key -> Nullable<Text>,
    }
}

diesel::table! {
    company_years (company_id, fiscal_year) {
        company_id -> BigInt,
        fiscal_year -> Integer,
        employees -> Nullable<Integer>,
        it_staff -> Nullable<Integer>,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        company_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        login -> Text,
        display_name -> Text,
        role -> Text,
        company_id -> Nullable<BigInt>,
        password_hash -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        login_key -> Nullable<Text>,
        email -> Nullable<Text>,
        language -> Text,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        company_id -> BigInt,
        fiscal_year -> Integer,
        department_id -> Nullable<BigInt>,
        framework_id -> Text,
        revision -> Integer,
        source_filename -> Text,
        source_sha256 -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
        status -> Text,
        is_current -> Bool,
        answered_on -> Nullable<Date>,
        respondent -> Nullable<Text>,
    }
}

diesel::table! {
    answers (submission_id, item_number) {
        submission_id -> BigInt,
        item_number -> Integer,
        level -> SmallInt,
        evaluation -> Text,
        evidence -> Text,
        responsible_area -> Nullable<Text>,
        source_cell -> Nullable<Text>,
    }
}

diesel::table! {
    submission_transitions (id) {
        id -> BigInt,
        submission_id -> BigInt,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        actor_id -> Nullable<BigInt>,
        message -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    flags (id) {
        id -> BigInt,
        submission_id -> BigInt,
        item_number -> Nullable<Integer>,
        rule -> Text,
        severity -> Text,
        claimed -> Text,
        suggested -> Nullable<SmallInt>,
        reason_ja -> Text,
        reason_en -> Text,
        detector_version -> Text,
        config_hash -> Text,
        created_at -> Timestamp,
        review_id -> Nullable<BigInt>,
        decision -> Nullable<Text>,
    }
}

diesel::table! {
    reviews (id) {
        id -> BigInt,
        flag_id -> BigInt,
        decision -> Text,
        reviewed_score -> Nullable<SmallInt>,
        comment -> Text,
        reviewer_id -> Nullable<BigInt>,
        decided_at -> Timestamp,
        carried_from -> Nullable<BigInt>,
    }
}

diesel::table! {
    replies (id) {
        id -> BigInt,
        flag_id -> BigInt,
        author_id -> Nullable<BigInt>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(items -> frameworks (framework_id));
diesel::joinable!(company_years -> companies (company_id));
diesel::joinable!(departments -> companies (company_id));
diesel::joinable!(users -> companies (company_id));
diesel::joinable!(submissions -> companies (company_id));
diesel::joinable!(submissions -> frameworks (framework_id));
diesel::joinable!(answers -> submissions (submission_id));
diesel::joinable!(submission_transitions -> submissions (submission_id));
diesel::joinable!(flags -> submissions (submission_id));
diesel::joinable!(reviews -> flags (flag_id));
diesel::joinable!(replies -> flags (flag_id));

diesel::allow_tables_to_appear_in_same_query!(
    frameworks,
    items,
    companies,
    company_years,
    departments,
    users,
    submissions,
    answers,
    submission_transitions,
    flags,
    reviews,
    replies,
    audit_events,
    detector_configs,
    submission_risk,
    api_tokens,
    login_attempts,
    collections,
    collection_companies,
    flag_releases,
    analysis_runs,
    analysis_flags,
    company_year_summaries,
    year_totals,
    group_counts,
    list_generations,
    list_counts,
);

diesel::table! {
    detector_configs (id) {
        id -> Text,
        config_toml -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    submission_risk (submission_id) {
        submission_id -> BigInt,
        score -> SmallInt,
        top_reasons_json -> Text,
        detector_version -> Text,
        config_hash -> Text,
        computed_at -> Timestamp,
        weights_json -> Text,
        residual -> Nullable<SmallInt>,
    }
}

diesel::joinable!(submission_risk -> submissions (submission_id));

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (login_key) {
        login_key -> Text,
        failures -> Integer,
        first_failed_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    collections (id) {
        id -> BigInt,
        fiscal_year -> Integer,
        title -> Text,
        deadline -> Date,
        message -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    collection_companies (collection_id, company_id) {
        collection_id -> BigInt,
        company_id -> BigInt,
        target_level -> SmallInt,
    }
}

diesel::table! {
    flag_releases (submission_id) {
        submission_id -> BigInt,
        released_by -> Nullable<BigInt>,
        released_at -> Timestamp,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(collection_companies -> collections (collection_id));
diesel::joinable!(collection_companies -> companies (company_id));
diesel::joinable!(flag_releases -> submissions (submission_id));

diesel::table! {
    analysis_runs (id) {
        id -> BigInt,
        framework_id -> Text,
        fiscal_year -> Integer,
        detector_version -> Text,
        config_hash -> Text,
        sheets -> Integer,
        findings -> Integer,
        started_at -> Timestamp,
        finished_at -> Timestamp,
    }
}

diesel::table! {
    analysis_flags (flag_id) {
        flag_id -> BigInt,
        run_id -> BigInt,
        is_new -> Bool,
    }
}

diesel::joinable!(analysis_flags -> flags (flag_id));
diesel::joinable!(analysis_flags -> analysis_runs (run_id));

diesel::table! {
    company_year_summaries (company_id, fiscal_year) {
        company_id -> BigInt,
        fiscal_year -> Integer,
        submission_id -> BigInt,
        sheets -> Integer,
        status -> Text,
        revision -> Integer,
        uploaded_at -> Timestamp,
        target_level -> SmallInt,
        risk -> Nullable<SmallInt>,
        rates -> Text,
        flags_total -> Integer,
        flags_open -> Integer,
        flags_confirmed -> Integer,
        flags_dismissed -> Integer,
        item_codes -> Text,
        priority -> Integer,
        residual -> Nullable<SmallInt>,
        scs3_met -> Nullable<SmallInt>,
    }
}

diesel::table! {
    year_totals (fiscal_year, metric) {
        fiscal_year -> Integer,
        metric -> Text,
        total -> BigInt,
        n -> BigInt,
    }
}

diesel::joinable!(company_year_summaries -> companies (company_id));
diesel::joinable!(company_year_summaries -> submissions (submission_id));

diesel::table! {
    group_counts (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    analysis_jobs (id) {
        id -> BigInt,
        framework_id -> Text,
        fiscal_year -> Integer,
        kind -> Text,
        state -> Text,
        attempts -> Integer,
        requested_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        requested_at -> Timestamp,
        run_after -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        heartbeat_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
        run_id -> Nullable<BigInt>,
        sheets -> Nullable<Integer>,
        new_flags -> Nullable<Integer>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        dedupe_key -> Text,
        event -> Text,
        user_id -> Nullable<BigInt>,
        to_address -> Text,
        language -> Text,
        subject -> Text,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        run_after -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    mail_sweeps (day) {
        day -> Date,
        swept_by -> Text,
        swept_at -> Timestamp,
        queued -> Integer,
    }
}

diesel::table! {
    list_generations (fiscal_year) {
        fiscal_year -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    list_counts (fiscal_year, filter) {
        fiscal_year -> Integer,
        filter -> Text,
        generation -> BigInt,
        n -> BigInt,
        capped -> Bool,
        detail -> Text,
    }
}
