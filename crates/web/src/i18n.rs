//! Languages: Japanese by default, English on request. Every text is a field
//! of [`Texts`], and [`JA`] and [`EN`] are both written out in one
//! `texts!` table, so a text missing in one language does not compile (it
//! never shows a key). Dates are shown in Japan time.

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語 (the default).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// `ja` or `en`, for `<html lang>` and the stored choice.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// From a stored or submitted code.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The texts of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The language from `Accept-Language`: English only when the browser
    /// prefers it to Japanese; Japanese otherwise.
    pub fn negotiate(req: &HttpRequest) -> Lang {
        let Some(value) = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Lang::Ja;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut bits = part.trim().split(';');
            let tag = bits.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = bits.find_map(|b| b.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let lang = if tag == "ja" || tag.starts_with("ja-") {
                Lang::Ja
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Ja, |(_, l)| l)
    }
}

const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(o) => o,
    None => panic!("the offset of Japan time"),
};

/// A time in Japan time, `2026-12-01 21:05 JST`.
pub fn time_jst(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST).format("%Y-%m-%d %H:%M JST").to_string()
}

/// The API's time strings (RFC 3339, already +09:00) shown the same way.
pub fn shown_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339).map(|t| time_jst(t.with_timezone(&Utc))).unwrap_or_else(|_| rfc3339.into())
}

/// A fiscal year: `2025年度（令和7年度）` or `FY2025`.
pub fn fiscal_year(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Ja if year >= 2019 => format!("{year}年度（令和{}年度）", year - 2018),
        Lang::Ja => format!("{year}年度"),
        Lang::En => format!("FY{year}"),
    }
}

/// A deadline with its weekday and the days left, seen from `today` (Japan
/// time): `2025年7月31日（木）まで・あと12日`.
pub fn deadline(lang: Lang, day: NaiveDate, today: NaiveDate) -> String {
    let left = (day - today).num_days();
    match lang {
        Lang::Ja => {
            let wd = ["月", "火", "水", "木", "金", "土", "日"][day.weekday().num_days_from_monday() as usize];
            let when = format!("{}年{}月{}日（{wd}）まで", day.year(), day.month(), day.day());
            match left {
                0 => format!("{when}・本日締切"),
                n if n > 0 => format!("{when}・あと{n}日"),
                n => format!("{when}・{}日超過", -n),
            }
        }
        Lang::En => {
            let when = format!("by {} ({})", day.format("%-d %B %Y"), weekday_en(day.weekday()));
            match left {
                0 => format!("{when}, due today"),
                1 => format!("{when}, 1 day left"),
                n if n > 0 => format!("{when}, {n} days left"),
                n => format!("{when}, {} days overdue", -n),
            }
        }
    }
}

fn weekday_en(w: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][w.num_days_from_monday() as usize]
}

/// Today in Japan time.
pub fn today_jst() -> NaiveDate {
    hyoka_model::time::now().with_timezone(&JST).date_naive()
}

/// A rate as a percentage, or a dash.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

macro_rules! texts {
    ($($name:ident: $ja:expr, $en:expr;)*) => {
        /// Every text of the UI in one language.
        #[allow(missing_docs, reason = "each field is the text it names")]
        #[derive(Debug)]
        pub struct Texts { $(pub $name: &'static str,)* }
        /// 日本語.
        pub const JA: Texts = Texts { $($name: $ja,)* };
        /// English.
        pub const EN: Texts = Texts { $($name: $en,)* };
        /// Every field of a language, for the test that none is empty.
        pub fn all(t: &Texts) -> Vec<&'static str> { vec![$(t.$name,)*] }
    };
}

texts! {
    app_name: "hyoka 評価", "hyoka";
    switch_lang: "English", "日本語";
    nav_home: "今年度の提出", "This year";
    nav_upload: "提出する", "Submit";
    nav_check: "提出前チェック", "Self-check";
    nav_queue: "レビュー待ち", "Review queue";
    nav_logout: "ログアウト", "Sign out";
    signed_in_as: "ログイン中", "Signed in as";
    login_title: "ログイン", "Sign in";
    login_name: "ログイン名", "Login";
    password: "パスワード", "Password";
    login_button: "ログインする", "Sign in";
    login_bad: "ログイン名またはパスワードが違います。", "Wrong login or password.";
    login_locked: "ログインの失敗が続いたため、一時的にロックされています。次に試せる時刻:", "Too many failed sign-ins; locked until";
    logged_out: "ログアウトしました。", "You are signed out.";
    csrf_title: "この操作は受け付けられませんでした", "This request was refused";
    csrf_body: "フォームの有効期限が切れたか、別のサイトから送られました。ページを再読み込みしてからやり直してください。", "The form expired or came from another site. Reload the page and try again.";
    forbidden_title: "この操作の権限がありません", "You may not do this";
    not_found_title: "ページが見つかりません", "Page not found";
    error_title: "エラーが発生しました", "Something went wrong";
    back_home: "トップへ戻る", "Back to the start";
    conflict: "他のレビュアーがこのシートを更新しました。再読み込みしてください。", "Someone else changed this sheet meanwhile. Reload the page.";
    busy_title: "ただいま混み合っています", "The database is busy";
    busy_body: "データベースが他の書き込みで使用中です。何も変更されていません。しばらくしてからやり直してください。", "The database is held by another writer. Nothing was changed; try again in a few seconds.";
    home_title: "今年度の提出", "This year's submission";
    no_collection: "現在、提出依頼はありません。", "There is no open collection.";
    deadline_label: "提出期限", "Deadline";
    target_level: "目標レベル", "Target level";
    status_label: "状況", "Status";
    status_not_submitted: "未提出", "Not submitted";
    status_submitted: "提出済み・レビュー待ち", "Submitted, waiting for review";
    status_in_review: "提出済み・レビュー中", "Submitted, in review";
    status_returned: "差し戻し", "Returned";
    status_accepted: "受理", "Accepted";
    status_withdrawn: "取り下げ", "Withdrawn";
    return_message: "レビュアーからのメッセージ", "Message from the reviewer";
    submit_sheet: "チェックシートを提出する", "Submit the sheet";
    submit_revision: "修正版を提出する", "Submit a corrected sheet";
    see_flags: "指摘を確認する", "See the findings";
    open_sheet: "提出したシートを見る", "Open the submitted sheet";
    upload_title: "チェックシートの提出", "Submit the check sheet";
    upload_help: "公式のExcel（.xlsx）、CSV（CP932またはUTF-8）、JSONを受け付けます。ファイルはドラッグ＆ドロップするか、ボタンで選んでください。", "The official Excel workbook (.xlsx), CSV (CP932 or UTF-8) or JSON. Drop the file here or choose it.";
    upload_limit: "上限", "Limit";
    choose_file: "ファイルを選ぶ", "Choose a file";
    fiscal_year: "年度", "Fiscal year";
    department: "部署（任意）", "Department (optional)";
    upload_button: "提出する", "Submit";
    check_button: "保存せずにチェックする", "Check without storing";
    refused_banner: "このファイルは受け付けられませんでした。何も保存されていません。", "This file was not accepted. Nothing was stored.";
    errors: "エラー", "errors";
    warnings: "警告", "warnings";
    col_no: "No.", "No.";
    col_place: "場所（シート!セル）", "Place (sheet!cell)";
    col_item: "項目", "Item";
    col_found: "見つかった値", "Found";
    col_expected: "受け付ける値", "Accepted";
    col_message: "内容", "Message";
    already_submitted: "同じファイルが既に提出済みです。", "This same file is already submitted.";
    stored: "保存しました。", "Stored.";
    check_title: "提出前チェック（保存されません）", "Self-check (nothing is stored)";
    check_intro: "ファイルを選ぶと、hyokaが読み取る達成率と、上振れの可能性として指摘する項目を、保存せずに表示します。親会社には何も送られません。", "Choose a file to see, without storing it, the rates hyoka reads and what it would flag as possible over-rating. Nothing is sent to the parent company.";
    check_nothing_stored: "このチェック結果は保存されていません。", "This check stored nothing.";
    check_no_flags: "指摘される項目はありませんでした。", "hyoka would flag nothing.";
    check_submit: "このファイルを提出する", "Submit this file";
    check_fix: "修正してから、もう一度チェックしてください。", "Or fix the sheet and check again.";
    would_flag: "指摘される可能性がある項目", "What hyoka would flag";
    rates_title: "達成率", "Achievement";
    rate_self: "自己評価", "Self";
    rate_suggested: "推定", "Suggested";
    rate_reviewed: "レビュー後", "Reviewed";
    level_target: "目標", "Target";
    level_overall: "全体", "Overall";
    sheet_title: "チェックシート", "Check sheet";
    company: "会社", "Company";
    revision: "版", "Revision";
    uploaded_at: "提出日時", "Uploaded";
    file_name: "ファイル名", "File";
    history: "履歴", "History";
    answers: "回答", "Answers";
    evidence: "根拠", "Evidence";
    claimed: "自己評価", "Claimed";
    suggested: "推定", "Suggested";
    reviewed_score: "レビュー後の点数", "Reviewed score";
    flags_title: "指摘", "Findings";
    under_review: "親会社でレビュー中です。指摘はレビュー後に表示されます。", "The parent company is reviewing. Findings are shown once released.";
    whole_sheet: "シート全体", "Whole sheet";
    rule: "ルール", "Rule";
    severity: "重要度", "Severity";
    reason: "理由", "Reason";
    reason_en: "English", "日本語";
    decision: "判定", "Decision";
    undecided: "未判定", "Undecided";
    confirmed: "確認（上振れ）", "Confirmed";
    dismissed: "却下", "Dismissed";
    comment: "コメント", "Comment";
    decide_button: "判定を保存", "Save the decision";
    decide_selected: "選択した指摘を一括判定", "Decide the selected flags";
    confirm_at_suggested: "推定の点数で確認", "Confirm at the suggested scores";
    dismiss_all: "却下", "Dismiss";
    select: "選択", "Select";
    replies: "子会社からの返信", "Replies from the subsidiary";
    reply: "返信", "Reply";
    reply_button: "返信を送る", "Send the reply";
    decisions_history: "判定の履歴", "Decisions";
    undecided_only: "未判定のみ", "Undecided only";
    show_all: "すべて表示", "Show all";
    decided_count: "判定済み", "decided";
    risk: "リスク", "Risk";
    residual_risk: "審査後リスク", "Residual risk";
    top_reasons: "主な理由", "Top reasons";
    start_review: "レビューを開始", "Start the review";
    release_flags: "指摘を子会社に公開", "Release the findings";
    return_sheet: "メッセージを付けて差し戻す", "Return with a message";
    return_message_label: "差し戻しメッセージ（必須）", "Message (required)";
    accept_sheet: "受理する", "Accept";
    accept_confirm: "中以上の重要度の未判定の指摘があります。それでも受理する場合はチェックしてください。件数:", "Undecided flags of medium or higher severity remain. Tick to accept anyway. Count:";
    accept_anyway: "それでも受理する", "Accept anyway";
    released: "公開済み", "Released";
    queue_title: "レビュー待ち（優先度順）", "Review queue (by priority)";
    queue_empty: "レビュー待ちのシートはありません。", "No sheet waits for review.";
    priority: "優先度", "Priority";
    open_flags: "未判定の指摘", "Open flags";
    age_days: "経過日数", "Age (days)";
    impact_tier: "影響度", "Impact tier";
    open: "開く", "Open";
    read_only: "監査担当者として閲覧中（操作はできません）", "Viewing as an auditor (read only)";
    high: "高", "high";
    medium: "中", "medium";
    low: "低", "low";
    score_2: "2 対策完了", "2 done";
    score_1: "1 対策中", "1 in progress";
    score_0: "0 未実施", "0 not done";
    score_na: "該当なし", "N/A";
    score_none: "未回答", "Unanswered";
    message_required: "メッセージを入力してください。", "Write a message.";
    feedback_workbook: "フィードバック（Excel）をダウンロード", "Download the feedback workbook";
    upload_new_revision: "修正版をアップロード", "Upload a corrected sheet";
    progress: "アップロード中", "Uploading";
    nav_password: "パスワード変更", "Password";
    last_year: "前年度の回答", "Last year's answer";
    compare_title: "変更点", "What changed";
    against_revision: "前の版と比べる", "Against the previous revision";
    against_year: "前年度と比べる", "Against last year";
    nothing_to_compare: "比べるシートがありません。", "There is no sheet to compare with.";
    no_changes: "変更された項目はありません。", "No item changed.";
    before: "比較元", "Before";
    after: "このシート", "This sheet";
    evidence_changed: "根拠変更", "evidence changed";
    changed_since: "前の版から変更あり", "Changed since the previous revision";
    password_title: "パスワードの変更", "Change your password";
    current_password: "現在のパスワード", "Current password";
    new_password: "新しいパスワード（10文字以上）", "New password (10 characters or more)";
    new_password_again: "新しいパスワード（確認）", "New password again";
    password_button: "パスワードを変更する", "Change the password";
    password_changed: "パスワードを変更しました。ほかの端末のログインとAPIトークンは無効になりました。", "Your password is changed. Your other sign-ins and API tokens no longer work.";
    password_wrong: "現在のパスワードが違います。", "The current password is wrong.";
    password_mismatch: "新しいパスワードが一致しません。", "The new passwords differ.";
    nav_flags: "指摘一覧", "Flags";
    nav_collections: "提出依頼", "Collections";
    nav_audit: "監査ログ", "Audit log";
    nav_admin: "管理", "Administration";
    nav_tokens: "APIトークン", "API tokens";
    flags_explorer: "指摘一覧（絞り込み）", "Flags explorer";
    fiscal_year_label: "年度", "Fiscal year";
    level_label: "レベル", "Level";
    item_label: "項目", "Item";
    all: "すべて", "All";
    info: "情報", "info";
    filter_button: "絞り込む", "Filter";
    clear_filters: "条件をクリア", "Clear the filters";
    download_csv: "CSVをダウンロード（Excel用）", "Download the CSV (for Excel)";
    json_for_scripts: "同じ行のJSON（スクリプト用）", "The same rows as JSON (for scripts)";
    counts_by_rule: "ルール別の件数", "Counts by rule";
    count: "件数", "Count";
    no_flags_found: "条件に合う指摘はありません。", "No flag matches.";
    rows_total: "該当件数", "Rows";
    pages: "ページ", "Pages";
    previous_page: "前へ", "Previous";
    next_page: "次へ", "Next";
    collections_title: "提出依頼", "Collections";
    no_collections: "提出依頼はまだありません。", "No collection yet.";
    title_label: "件名", "Title";
    companies_count: "対象会社数", "Companies";
    open_collection: "提出依頼を開始する", "Open a collection";
    optional: "任意", "optional";
    deadline_jst: "提出期限（日本時間の日付）", "Deadline (a day in Japan time)";
    message_label: "メッセージ", "Message";
    companies_and_levels: "対象会社と目標レベル", "Companies and their target levels";
    include: "対象", "Include";
    deadline_invalid: "期限は日付（YYYY-MM-DD）で指定してください。", "Give the deadline as a date (YYYY-MM-DD).";
    companies_required: "対象会社を1社以上選んでください。", "Choose at least one company.";
    new_deadline: "新しい期限", "New deadline";
    save: "保存", "Save";
    saved: "保存しました。", "Saved.";
    standing: "提出状況", "Standing";
    standing_submitted: "提出済み", "Submitted";
    standing_late: "期限後に提出", "Submitted late";
    standing_not_submitted: "未提出", "Not submitted";
    standing_overdue: "未提出・期限超過", "Overdue";
    overdue_only: "期限超過のみ", "Overdue only";
    submitted_at: "提出日時（JST）", "Submitted (JST)";
    days_to_deadline: "期限との差", "Against the deadline";
    audit_title: "監査ログ", "Audit log";
    entity: "対象", "Entity";
    entity_id: "対象ID", "Entity id";
    actor_id: "操作者ID", "Actor id";
    actor: "操作者", "Actor";
    action: "操作", "Action";
    change: "変更内容", "Change";
    time_jst: "日時（+09:00）", "Time (+09:00)";
    before_after: "変更前・変更後", "Before and after";
    before_label: "変更前", "Before";
    after_label: "変更後", "After";
    verify_chain: "ハッシュチェーンを検証", "Verify the hash chain";
    audit_chain_ok: "ハッシュチェーンは正常です。検証した件数:", "The hash chain is intact. Entries checked:";
    audit_chain_broken: "ハッシュチェーンが壊れています。最初の不整合のID:", "The hash chain is broken. First bad entry:";
    admin_title: "管理", "Administration";
    users_title: "ユーザー", "Users";
    companies_title: "会社", "Companies";
    display_name: "表示名", "Display name";
    role: "役割", "Role";
    role_admin: "管理者", "Admin";
    role_reviewer: "レビュアー", "Reviewer";
    role_auditor: "監査担当者", "Auditor";
    role_subsidiary: "子会社ユーザー", "Subsidiary user";
    state: "状態", "State";
    actions: "操作", "Actions";
    active: "有効", "Active";
    disabled: "無効", "Disabled";
    enable: "有効にする", "Enable";
    disable: "無効にする", "Disable";
    reset_password: "パスワードを再設定", "Set the password";
    bind_company: "会社を変更", "Bind to the company";
    mail_address: "通知メールの宛先", "Notification e-mail";
    mail_address_help: "空欄ならメールを送りません", "Leave blank for no mail";
    mail_language: "メールの言語", "Mail language";
    lang_ja: "日本語", "Japanese";
    lang_en: "英語", "English";
    save_mail: "メール設定を保存", "Save mail settings";
    no_mail: "なし", "none";
    create_user: "ユーザーを作成", "Create a user";
    company_for_subsidiary: "会社（子会社ユーザーのみ）", "Company (subsidiary users only)";
    min_password: "10文字以上", "10 characters or more";
    company_only_subsidiary: "会社に紐づけられるのは子会社ユーザーだけです。", "Only subsidiary users belong to a company.";
    company_code: "会社コード", "Company code";
    company_name: "会社名", "Company name";
    industry: "業種", "Industry";
    impact_tier_help: "事業影響度（1 が最大、5 が最小）", "Business-impact tier (1 highest – 5)";
    edit: "編集", "Edit";
    create_company: "会社を登録", "Register a company";
    size_by_year: "年度ごとの規模", "Size per fiscal year";
    employees: "従業員数", "Employees";
    it_staff: "情報システム担当者数", "IT staff";
    tokens_title: "APIトークン", "API tokens";
    token_created: "トークンを作成しました", "The token is made";
    token_shown_once: "このトークンは今だけ表示されます。今すぐ安全な場所に保存してください。", "This token is shown now only. Keep it somewhere safe now.";
    no_tokens: "APIトークンはありません。", "You have no API token.";
    token_name: "名前", "Name";
    token_prefix: "先頭", "Starts with";
    created_at: "作成日時", "Created";
    expires_at: "有効期限", "Expires";
    revoked: "失効", "Revoked";
    revoke: "失効させる", "Revoke";
    create_token: "トークンを作成", "Make a token";
    expires_in_days: "有効日数", "Days valid";
    token_days_invalid: "有効日数の範囲:", "Days valid must be";
    token_revoked: "トークンを失効させました。", "The token is revoked.";
    // The group pages: overview, company, items and areas.
    nav_overview: "グループ概況", "Group overview";
    nav_items: "項目別", "Items";
    nav_company: "自社の推移", "Our company";
    overview_title: "グループ概況", "Group overview";
    figures_title: "年度の数値", "Figures of the year";
    fig_companies: "提出対象の会社", "Companies expected";
    fig_submitted: "提出済み", "Submitted";
    fig_overdue: "期限超過", "Overdue";
    fig_mean_self: "平均達成率（自己評価・目標レベルまで）", "Mean rate, self (up to the target level)";
    fig_mean_suggested: "平均達成率（推定・目標レベルまで）", "Mean rate, suggested (up to the target level)";
    fig_mean_reviewed: "平均達成率（レビュー後・目標レベルまで）", "Mean rate, reviewed (up to the target level)";
    fig_mean_risk: "平均リスク", "Mean risk";
    heat_title: "会社 × レベルのヒートマップ", "Company × level heat map";
    heat_view: "表示", "Show";
    view_gap: "差（自己評価 − 推定）", "Gap (self − suggested)";
    heat_legend: "各セルは達成率（%）。色は0%（濃い青）から100%（黄）までの10段階です:", "Each cell is the rate in percent; the colour runs in ten steps from 0% (dark blue) to 100% (yellow):";
    gap_legend: "各セルは自己評価と推定の差（ポイント）。▲は自己評価が推定より高い＝上振れの可能性:", "Each cell is self minus suggested in percentage points; ▲ means the company rates itself higher than hyoka suggests (likely over-rating):";
    min_risk: "リスクの下限", "Minimum risk";
    sort_by: "並び順", "Sort by";
    any: "すべて", "Any";
    apply_filters: "絞り込む", "Apply";
    no_companies: "条件に合う会社はありません。", "No company matches.";
    companies_unit: "社", "companies";
    prev_page: "前のページ", "Previous page";
    generated_at: "作成日時", "Generated";
    latest_sheet: "最新のシート", "Latest sheet";
    compare_last_year: "今年度と前年度を比べる", "Compare this year with last";
    trend_title: "達成率の推移", "Achievement over the years";
    trend_desc: "年度ごとの目標レベルまでの達成率: 自己評価、推定、レビュー後、グループ平均（自己評価）。同じ数値を下の表に示します。", "The rate up to the target level per fiscal year: self, suggested, reviewed and the group mean (self). The table below gives the same numbers.";
    trend_desc_own: "年度ごとの目標レベルまでの達成率: 自己評価、推定、レビュー後。同じ数値を下の表に示します。", "The rate up to the target level per fiscal year: self, suggested and reviewed. The table below gives the same numbers.";
    trend_axis_y: "達成率（目標レベルまで）", "Rate up to the target level";
    trend_table: "年度ごとの達成率（目標レベルまで）", "Rates per fiscal year (up to the target level)";
    group_mean: "グループ平均", "Group mean";
    no_sheets_yet: "まだ提出されたシートはありません。", "No sheet has been submitted yet.";
    sheets_title: "提出されたシート（年度・版）", "Sheets by year and revision";
    current_revision: "最新版", "current";
    sizes_title: "会社の規模", "Company size";
    areas_title: "担当領域別", "By responsible area";
    area: "担当領域", "Responsible area";
    area_none: "（未設定）", "(not given)";
    items_count: "項目数", "Items";
    no_areas: "担当領域の情報はありません。", "No responsible areas are known.";
    items_title: "グループ全体の項目別", "Items across the group";
    items_list_title: "指摘の多い項目から", "Most flagged first";
    spread_legend: "点数の分布は「2 / 1 / 0 / 該当なし / 未回答」の会社数です。最も弱い会社は推定の点数が最も低い会社すべてです。", "Score spreads count companies at 2 / 1 / 0 / N/A / unanswered. The weakest are every company at the lowest estimated score.";
    subject: "内容", "Subject";
    col_level: "レベル", "Level";
    flags_total: "指摘数", "Flags";
    claimed_spread: "自己評価の分布", "Claimed spread";
    estimated_spread: "推定の分布", "Estimated spread";
    weakest: "最も弱い会社", "Weakest companies";
    lowest_score: "最低点", "Lowest score";
    and_more: "ほかの会社:", "Others:";
    not_listed: "一覧にない同点の会社数:", "Also at it, not listed:";
    see_flags_of_item: "指摘を見る", "See the flags";
    scs_title: "SCS ★3 / ★4 準備度（経済産業省 サプライチェーン強化に向けたセキュリティ対策評価制度）", "SCS ★3 / ★4 readiness (METI supply-chain security scheme)";
    scs_short: "★3準備度（推定）", "★3 readiness (estimated)";
    scs_note: "JAMA/JAPIAガイドラインの回答から見た準備度です。★3の評価結果ではなく、その根拠の一部です。対象外の基準（JAMA項目の引用なし）は別途の確認が必要で、達成には数えません。", "Readiness as read from the JAMA/JAPIA answers: evidence towards ★3, not a ★3 result. Criteria not covered (METI cites no JAMA item) need their own assessment and never count as met.";
    scs_hidden: "推定とレビュー後の準備度は、指摘の公開後に表示されます。", "The estimated and reviewed readiness are shown once the flags are released.";
    scs_no_sheet: "この年度のシートはありません。", "No sheet for this year.";
    scs_basis: "基準", "Basis";
    scs_star3: "★3", "★3";
    scs_star34: "★3＋★4", "★3 + ★4";
    scs_met: "達成", "Met";
    scs_partly: "一部達成", "Partly";
    scs_not_met: "未達成", "Not met";
    scs_not_covered: "対象外", "Not covered";
    scs_readiness: "準備度", "Readiness";
    scs_counts_caption: "基準ごとの数と準備度（達成 ÷ 対象の基準）", "Criteria per status and readiness (met ÷ covered)";
    scs_gaps3: "★3で満たしていない基準", "★3 criteria not fully met";
    scs_gaps4: "★4で満たしていない基準", "★4 criteria not fully met";
    scs_judged_on: "判定の基準:", "Judged on:";
    scs_all_met: "対象の基準はすべて達成しています。", "Every covered criterion is met.";
    scs_criterion: "基準", "Criterion";
    scs_requirement: "要求事項", "Requirement";
    scs_items: "JAMA項目", "JAMA items";
    scs_iso: "ISO/IEC 27001:2022", "ISO/IEC 27001:2022";
    scs_short_item: "未達の項目", "item short";
    scs_source: "対応表:", "Mapping:";
    scs_csv: "CSV", "CSV";
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_password_rule_shown_is_the_one_checked() {
        let min = hyoka_model::credentials::MIN_PASSWORD_CHARS.to_string();
        for t in [&JA, &EN] {
            assert!(t.new_password.contains(&min) && t.min_password.contains(&min), "{}", t.new_password);
        }
        for page in ["password.html", "admin_users.html"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(page);
            let text = std::fs::read_to_string(path).unwrap_or_default();
            assert!(text.contains(&format!("minlength=\"{min}\"")), "{page}");
            assert!(!text.contains("minlength=\"12\""), "{page}");
        }
    }

    #[test]
    fn every_text_is_written_in_both_languages() {
        for (ja, en) in all(&JA).into_iter().zip(all(&EN)) {
            assert!(!ja.trim().is_empty() && !en.trim().is_empty(), "{ja:?} / {en:?}");
        }
    }

    #[test]
    fn japanese_unless_english_is_preferred() {
        let req =
            |v: &str| actix_web::test::TestRequest::default().insert_header(("Accept-Language", v)).to_http_request();
        assert_eq!(Lang::negotiate(&actix_web::test::TestRequest::default().to_http_request()), Lang::Ja);
        assert_eq!(Lang::negotiate(&req("ja,en-US;q=0.9,en;q=0.8")), Lang::Ja);
        assert_eq!(Lang::negotiate(&req("en-US,en;q=0.9,ja;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(&req("fr-FR")), Lang::Ja);
    }

    #[test]
    fn dates_in_japan_time_with_the_era() {
        let t = Utc.with_ymd_and_hms(2025, 7, 30, 15, 30, 0).single().map(time_jst);
        assert_eq!(t.as_deref(), Some("2025-07-31 00:30 JST"));
        assert_eq!(fiscal_year(Lang::Ja, 2025), "2025年度（令和7年度）");
        let d = NaiveDate::from_ymd_opt(2025, 7, 31).unwrap_or_default();
        let today = NaiveDate::from_ymd_opt(2025, 7, 19).unwrap_or_default();
        assert_eq!(deadline(Lang::Ja, d, today), "2025年7月31日（木）まで・あと12日");
        assert_eq!(deadline(Lang::En, d, today), "by 31 July 2025 (Thu), 12 days left");
    }
}
