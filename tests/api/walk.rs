//! The yearly path through the API, on the real server.

use std::collections::BTreeMap;

use hyoka_model::both_backends;
use hyoka_model::db::testing::TestDb;
use serde_json::{Value, json};

use crate::client::{self, Api};
use crate::common::{hyoka, workdir};
use crate::fixtures::{NOT_DONE, levels, ok, sheet_json};

const ADMIN_PASSWORD: &str = "first-admin-password";

fn close(a: &Value, want: f64) -> bool {
    a.as_f64().is_some_and(|v| (v - want).abs() < 1e-9)
}

#[track_caller]
fn rate(detail: &Value, view: &str, level: &str, want: f64) {
    let got = &detail["rates"][view][level]["rate"];
    assert!(close(got, want), "{view} {level}: got {got}, want {want}");
}

/// Rate of one level from points per item.
fn level_rate(points: &BTreeMap<u16, u8>, level: u8) -> f64 {
    let lv = levels();
    let items: Vec<u8> = points.iter().filter(|(i, _)| lv[i] == level).map(|(_, p)| *p).collect();
    f64::from(items.iter().map(|p| u32::from(*p)).sum::<u32>()) / (2.0 * items.len() as f64)
}

fn all_two() -> BTreeMap<u16, u8> {
    levels().keys().map(|i| (*i, 2)).collect()
}

fn flag_on(flags: &[Value], item: u16) -> &Value {
    flags
        .iter()
        .find(|f| f["flag"]["item"] == json!(item) && f["flag"]["rule"] == "not_done")
        .unwrap_or_else(|| panic!("no not_done flag on No.{item}: {flags:?}"))
}

fn walk_the_yearly_path(db: &TestDb) {
    let dir = workdir();
    // The first admin comes from the command line.
    let mut cmd = hyoka(&db.url_string(), dir.path());
    cmd.args(["admin", "create-admin", "--login", "root", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = ok(cmd.spawn());
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("stdin"));
        ok(writeln!(stdin, "{ADMIN_PASSWORD}"));
    }
    let out = ok(child.wait_with_output());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let server = client::serve(&db.url_string(), dir.path(), &[]);
    let api: Api = server.api;
    let admin = api.login("root", ADMIN_PASSWORD);

    // Admin registers the company and the accounts.
    let company = api
        .post("/api/v1/companies", Some(&admin), &json!({"code": "T-001", "name": "株式会社テスト", "target_level": 1}))
        .expect(201)
        .json();
    let company_id = company["id"].as_i64().unwrap_or_default();
    for (login, role, company) in
        [("rev", "reviewer", None), ("sub", "subsidiary", Some(company_id)), ("aud", "auditor", None)]
    {
        api.post(
            "/api/v1/users",
            Some(&admin),
            &json!({"login": login, "display_name": login, "role": role, "company_id": company, "password": format!("{login}-password-1")}),
        )
        .expect(201);
    }
    let reviewer = api.login("rev", "rev-password-1");
    let sub = api.login("sub", "sub-password-1");

    // 1. The reviewer opens the collection of FY2025 (target Lv2 this year).
    let collection = api
        .post(
            "/api/v1/collections",
            Some(&reviewer),
            &json!({"fiscal_year": 2025, "deadline": "2099-07-31", "companies": [{"company_id": company_id, "target_level": 2}]}),
        )
        .expect(201)
        .json();
    let collection_path = format!("/api/v1/collections/{}", collection["id"]);
    let progress = api.get(&collection_path, Some(&sub)).expect(200).json();
    assert_eq!(progress["progress"][0]["standing"], "not_submitted", "{progress}");
    assert_eq!(progress["summary"]["not_submitted"], 1);

    // 2. A refused upload: every problem listed with its place; nothing stored.
    let bad = sheet_json("T-001", "株式会社テスト", 2025, |item, a| {
        if item == 40 {
            a["evaluation"] = json!("済");
        }
    });
    let refused = api.upload(Some(&sub), "bad.json", &bad, &[]).expect(422).json();
    assert_eq!(refused["error"], "sheet_refused");
    let problems = refused["problems"].as_array().cloned().unwrap_or_default();
    let p = problems.iter().find(|p| p["item"] == 40).unwrap_or_else(|| panic!("{refused}"));
    assert_eq!(p["code"], "invalid_evaluation");
    assert_eq!(p["cell"], "/answers/39/evaluation");
    assert!(p["message_ja"].as_str().is_some_and(|m| m.contains("済")), "{p}");
    assert_eq!(api.get("/api/v1/submissions", Some(&reviewer)).expect(200).json()["total"], 0);

    // 3. A sheet whose cover names another company is refused for a
    // subsidiary user (it would replace nobody's sheet but its own, under the
    // wrong name); then a good upload of its own sheet.
    let tweak = |item: u16, a: &mut Value| {
        if [17, 28, 85].contains(&item) {
            a["evidence"] = json!(NOT_DONE);
        }
    };
    let other = api.upload(Some(&sub), "sheet.json", &sheet_json("T-999", "株式会社ほかの会社", 2025, tweak), &[]);
    let other = other.expect(422).json();
    let p = &other["problems"][0];
    assert_eq!(
        (p["code"].as_str(), p["found"].as_str()),
        (Some("cover_names_another_company"), Some("T-999")),
        "{other}"
    );
    assert!(p["message_ja"].as_str().is_some_and(|m| m.contains("T-001")), "{p}");
    assert_eq!(api.get("/api/v1/submissions", Some(&reviewer)).expect(200).json()["total"], 0);
    let good = sheet_json("T-001", "株式会社テスト", 2025, tweak);
    let up = api.upload(Some(&sub), "sheet.json", &good, &[]).expect(201).json();
    assert_eq!(up["company"]["code"], "T-001", "stored for the subsidiary's own company");
    let s1 = up["submission"]["id"].as_i64().unwrap_or_default();
    assert_eq!(up["submission"]["status"], "submitted");
    let again = api.upload(Some(&sub), "sheet.json", &good, &[]).expect(200).json();
    assert_eq!((again["unchanged"].as_bool(), again["submission"]["id"].as_i64()), (Some(true), Some(s1)));
    let progress = api.get(&collection_path, Some(&reviewer)).expect(200).json();
    assert_eq!(progress["progress"][0]["standing"], "submitted", "{progress}");
    assert_eq!(progress["progress"][0]["submission_id"], s1);

    // 4. Flags: hidden from the subsidiary until released; the reviewer sees
    // them and the suggested rates.
    let s1_path = format!("/api/v1/submissions/{s1}");
    let hidden = api.get(&s1_path, Some(&sub)).expect(200).json();
    assert_eq!((hidden["flags"].clone(), hidden["rates"]["suggested"].clone()), (Value::Null, Value::Null));
    rate(&hidden, "self", "lv1", 1.0);
    assert_eq!(api.get(&format!("/api/v1/flags?submission_id={s1}"), Some(&sub)).expect(200).json()["total"], 0);
    let d = api.get(&s1_path, Some(&reviewer)).expect(200).json();
    assert_eq!(d["target_level"], 2, "the collection's target level");
    let flags = d["flags"].as_array().cloned().unwrap_or_default();
    let mut suggested = all_two();
    for f in &flags {
        let f = &f["flag"];
        if let (Some(item), Some(s), true) =
            (f["item"].as_u64(), f["suggested"].as_u64(), f["severity"] == "high" || f["severity"] == "medium")
        {
            let e = suggested.entry(u16::try_from(item).unwrap_or(0)).or_insert(2);
            *e = (*e).min(u8::try_from(s).unwrap_or(2));
        }
    }
    for item in [17, 28, 85] {
        assert_eq!(flag_on(&flags, item)["flag"]["suggested"], 0);
        assert_eq!(suggested[&item], 0);
    }
    for (lv, name) in [(1, "lv1"), (2, "lv2"), (3, "lv3")] {
        rate(&d, "self", name, 1.0);
        rate(&d, "suggested", name, level_rate(&suggested, lv));
        rate(&d, "reviewed", name, 1.0);
    }
    assert!(d["risk"]["score"].as_u64().is_some_and(|s| s > 0), "{}", d["risk"]);
    let high = api.get("/api/v1/submissions?min_risk=1", Some(&reviewer)).expect(200).json();
    assert_eq!(crate::fixtures::ids(&high), vec![s1]);

    // 5. Review: start, decide three flags.
    api.post(&format!("{s1_path}/start-review"), Some(&reviewer), &json!({})).expect(200);
    assert_eq!(
        api.post(&format!("{s1_path}/start-review"), Some(&reviewer), &json!({})).expect(409).json()["error"],
        "move_not_allowed"
    );
    let id_of = |item| flag_on(&flags, item)["flag"]["id"].as_i64().unwrap_or_default();
    let decide =
        |item: u16, body: Value| api.post(&format!("/api/v1/flags/{}/decision", id_of(item)), Some(&reviewer), &body);
    decide(28, json!({"decision": "confirmed", "reviewed_score": 0, "comment": "訓練の実施記録がありません"}))
        .expect(201);
    decide(17, json!({"decision": "confirmed", "reviewed_score": 1, "comment": "SOC は計画段階のため対策中"}))
        .expect(201);
    decide(85, json!({"decision": "dismissed", "comment": ""})).expect(201);
    assert_eq!(decide(85, json!({"decision": "confirmed", "comment": "x"})).expect(422).json()["error"], "invalid");
    let d = api.get(&s1_path, Some(&reviewer)).expect(200).json();
    let mut reviewed = all_two();
    reviewed.insert(28, 0);
    reviewed.insert(17, 1);
    for (lv, name) in [(1, "lv1"), (2, "lv2"), (3, "lv3")] {
        rate(&d, "reviewed", name, level_rate(&reviewed, lv));
    }
    assert_eq!(d["submission"]["status"], "in_review");
    let undecided =
        api.get(&format!("/api/v1/flags?submission_id={s1}&decision=confirmed"), Some(&reviewer)).expect(200).json();
    assert_eq!(undecided["total"], 2);

    // The flag list by page number and by cursor: the same flags in the same
    // order; a short page names no next.
    let by_page: Vec<Value> = (1..=20)
        .map(|n| {
            api.get(&format!("/api/v1/flags?submission_id={s1}&per_page=2&page={n}"), Some(&reviewer))
                .expect(200)
                .json()
        })
        .take_while(|p| p["items"].as_array().is_some_and(|i| !i.is_empty()))
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .map(|f| f["id"].clone())
        .collect();
    assert!(by_page.len() >= 3, "{by_page:?}");
    let (mut by_cursor, mut after) = (Vec::new(), String::new());
    for _ in 0..20 {
        let p =
            api.get(&format!("/api/v1/flags?submission_id={s1}&per_page=2{after}"), Some(&reviewer)).expect(200).json();
        by_cursor.extend(p["items"].as_array().cloned().unwrap_or_default().into_iter().map(|f| f["id"].clone()));
        let Some(next) = p["next"].as_str() else { break };
        after = format!("&after={next}");
    }
    assert_eq!(by_cursor, by_page);
    assert_eq!(api.get("/api/v1/flags?after=1.2", Some(&reviewer)).expect(400).json()["error"], "invalid_query");

    // 6. Return with a message: the subsidiary now sees the flags and replies.
    assert_eq!(
        api.post(&format!("{s1_path}/return"), Some(&reviewer), &json!({"message": " "})).expect(422).json()["error"],
        "invalid"
    );
    api.post(&format!("{s1_path}/return"), Some(&reviewer), &json!({"message": "No.17 と No.28 を見直してください"}))
        .expect(200);
    let seen = api.get(&s1_path, Some(&sub)).expect(200).json();
    assert_eq!(seen["submission"]["status"], "returned");
    assert_eq!(seen["flags_released"], true);
    let seen_flags = seen["flags"].as_array().cloned().unwrap_or_default();
    assert_eq!(flag_on(&seen_flags, 28)["flag"]["decision"]["reviewed_score"], 0);
    let f28 = id_of(28);
    api.post(
        &format!("/api/v1/flags/{f28}/replies"),
        Some(&sub),
        &json!({"body": "訓練は未実施でした。0 に修正します"}),
    )
    .expect(201);
    let f = api.get(&format!("/api/v1/flags/{f28}"), Some(&sub)).expect(200).json();
    assert_eq!(f["replies"][0]["body"], "訓練は未実施でした。0 に修正します");
    let f17 = id_of(17);
    api.post(&format!("/api/v1/flags/{f17}/replies"), Some(&sub), &json!({"body": "SOC は2026年度に設置予定です"}))
        .expect(201);
    // Decisions are taken only under review.
    decide(85, json!({"decision": "dismissed"})).expect(409);

    // 7. The new revision: No.28 corrected to 0, No.85 evidence fixed, No.17 unchanged.
    let fixed = sheet_json("T-001", "株式会社テスト", 2025, |item, a| match item {
        17 => a["evidence"] = json!(NOT_DONE),
        28 => {
            a["evaluation"] = json!(0);
            a["evidence"] = json!("未実施。2026年度に標的型攻撃メール訓練を年2回開始する計画");
        }
        _ => {}
    });
    let up2 = api.upload(Some(&sub), "sheet-v2.json", &fixed, &[]).expect(201).json();
    let s2 = up2["submission"]["id"].as_i64().unwrap_or_default();
    assert_eq!((up2["superseded"].as_i64(), up2["submission"]["revision"].as_u64()), (Some(s1), Some(2)));
    let old = api.get(&s1_path, Some(&reviewer)).expect(200).json();
    assert_eq!(old["submission"]["status"], "superseded");
    let moves: Vec<&str> = old["transitions"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(moves, ["start_review", "return", "supersede"]);
    assert_eq!(old["transitions"][1]["message"], "No.17 と No.28 を見直してください");
    assert!(old["transitions"][1]["at"].as_str().is_some_and(|t| t.ends_with("+09:00")), "{}", old["transitions"][1]);

    // 8. Review of revision 2: the decision on the unchanged No.17 carried over.
    let s2_path = format!("/api/v1/submissions/{s2}");
    let d2 = api.get(&s2_path, Some(&reviewer)).expect(200).json();
    assert_eq!(d2["submission"]["status"], "submitted");
    assert_eq!(d2["revisions"].as_array().map(Vec::len), Some(2));
    let flags2 = d2["flags"].as_array().cloned().unwrap_or_default();
    let carried = &flag_on(&flags2, 17)["flag"]["decision"];
    assert_eq!((carried["decision"].as_str(), carried["reviewed_score"].as_u64()), (Some("confirmed"), Some(1)));
    assert!(carried["carried_from"].is_i64(), "{carried}");
    // The reply on revision 1's No.17 follows the carried decision.
    let thread = &flag_on(&flags2, 17)["replies"];
    assert_eq!(
        (thread[0]["body"].as_str(), thread[0]["flag_id"].as_i64()),
        (Some("SOC は2026年度に設置予定です"), Some(f17)),
        "{thread}"
    );
    api.post(&format!("{s2_path}/start-review"), Some(&reviewer), &json!({})).expect(200);
    api.post(&format!("{s2_path}/accept"), Some(&reviewer), &json!({})).expect(200);
    let d2 = api.get(&s2_path, Some(&sub)).expect(200).json();
    assert_eq!(d2["submission"]["status"], "accepted");
    let mut self2 = all_two();
    self2.insert(28, 0);
    let mut reviewed2 = self2.clone();
    reviewed2.insert(17, 1);
    for (lv, name) in [(1, "lv1"), (2, "lv2"), (3, "lv3")] {
        rate(&d2, "self", name, level_rate(&self2, lv));
        rate(&d2, "reviewed", name, level_rate(&reviewed2, lv));
    }
    rate(&d2, "reviewed", "target", {
        let lv = levels();
        let target: Vec<u8> = reviewed2.iter().filter(|(i, _)| lv[i] <= 2).map(|(_, p)| *p).collect();
        f64::from(target.iter().map(|p| u32::from(*p)).sum::<u32>()) / (2.0 * target.len() as f64)
    });
    let list = api
        .get(&format!("/api/v1/submissions?company_id={company_id}&fiscal_year=2025"), Some(&sub))
        .expect(200)
        .json();
    assert_eq!(list["total"], 2);
    assert!(list["items"][0].get("risk").is_none(), "a subsidiary sees no risk score in lists");

    // 9. The audit log saw it all and is whole; times in +09:00.
    let aud = api.login("aud", "aud-password-1");
    let log = api.get("/api/v1/audit?entity=submission&per_page=200", Some(&aud)).expect(200).json();
    let actions: Vec<&str> =
        log["items"].as_array().map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect()).unwrap_or_default();
    for want in [
        "submission.create",
        "submission.start_review",
        "submission.return",
        "submission.supersede",
        "submission.accept",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    assert!(log["items"][0]["occurred_at"].as_str().is_some_and(|t| t.ends_with("+09:00")));
    // The decision carried to revision 2 is recorded as carried, from which one.
    let reviews = api.get("/api/v1/audit?entity=review&per_page=200", Some(&aud)).expect(200).json();
    let carried_entry = reviews["items"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["action"] == "flag.decision_carried"))
        .unwrap_or_else(|| panic!("no carried decision in {reviews}"));
    assert_eq!(carried_entry["after"]["carried_from"], carried["carried_from"], "{carried_entry}");
    // …and the flag export says so too.
    let csv =
        api.get("/api/v1/exports/flags.csv?fiscal_year=2025&item=17&include_superseded=true", Some(&aud)).expect(200);
    let mut reader = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    let at = ok(reader.headers()).iter().position(|h| h == "carried_from").unwrap_or_else(|| panic!("no column"));
    let carried_cells: Vec<String> =
        reader.records().filter_map(|r| r.ok()?.get(at).map(str::to_owned)).filter(|c| !c.is_empty()).collect();
    assert!(carried_cells.contains(&carried["carried_from"].to_string()), "{}", csv.body);
    let v = api.get("/api/v1/audit/verify", Some(&aud)).expect(200).json();
    assert_eq!(v["ok"], true, "{v}");

    // 10. Logging out revokes the token.
    api.post("/api/v1/logout", Some(&sub), &json!({})).expect(204);
    assert_eq!(api.get("/api/v1/me", Some(&sub)).expect(401).json()["error"], "unauthorized");

    // No password and no token in the server's log, even at debug level.
    drop(server.running);
    let text = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert!(text.contains("POST /api/v1/login"), "the request log is there: {text}");
    for secret in [ADMIN_PASSWORD, "rev-password-1", "sub-password-1", &admin, &reviewer, &sub, &admin[6..20]] {
        assert!(!text.contains(secret), "a secret is in the log");
    }
    let token_like = text
        .match_indices("hyoka_")
        .any(|(i, _)| text[i + 6..].chars().take(16).filter(char::is_ascii_hexdigit).count() == 16);
    assert!(!token_like, "no token in the log");
}

fn errors_are_json_and_limits_hold(db: &TestDb) {
    let dir = workdir();
    let server = client::serve(
        &db.url_string(),
        dir.path(),
        &[
            ("HYOKA_API_UPLOAD_BODY_LIMIT", "4096"),
            ("HYOKA_API_JSON_BODY_LIMIT", "1024"),
            ("HYOKA_API_LOGIN_MAX_FAILURES", "3"),
        ],
    );
    let api = server.api;
    let mut conn = db.conn();
    let admin =
        crate::fixtures::user_with_password(&mut conn, "boss", hyoka_model::db::users::Account::Admin, "boss-password");
    let token = crate::fixtures::token(&mut conn, admin.id);
    let t = Some(token.as_str());
    let shape = |r: &client::Resp| {
        let j = r.json();
        assert!(j["error"].is_string() && j["message"].is_string(), "{} {}", r.status, r.body);
        j["error"].as_str().unwrap_or_default().to_owned()
    };
    // actix's own errors, in the one shape
    assert_eq!(shape(&api.get("/no/such/path", t).expect(404)), "not_found");
    let r = api.send("DELETE", "/api/v1/companies", t, &json!({})).expect(405);
    assert_eq!((shape(&r), r.header("allow")), ("method_not_allowed".into(), Some("GET, POST".into())));
    assert_eq!(shape(&api.get("/api/v1/companies/abc", t).expect(400)), "invalid_path");
    assert_eq!(shape(&api.get("/api/v1/companies?page=x", t).expect(400)), "invalid_query");
    assert_eq!(shape(&api.get("/api/v1/companies?per_page=201", t).expect(400)), "invalid_query");
    let r = client::request(api.addr, "POST", "/api/v1/companies", t, Some("application/json"), b"{not json");
    assert_eq!(shape(&r.expect(400)), "invalid_json");
    let r = client::request(api.addr, "POST", "/api/v1/companies", t, Some("text/plain"), b"{}");
    assert_eq!(shape(&r.expect(415)), "unsupported_media_type");
    assert_eq!(shape(&api.get("/api/v1/companies", None).expect(401)), "unauthorized");
    assert_eq!(shape(&api.get("/api/v1/companies", Some("hyoka_0000")).expect(401)), "unauthorized");
    // body limits: one byte over is 413 in the same shape; at the limit it is read
    let over = vec![b' '; 4097];
    let r = client::request(api.addr, "POST", "/api/v1/submissions/json", t, Some("application/json"), &over);
    assert_eq!(shape(&r.expect(413)), "payload_too_large");
    let (ct, body) = client::multipart("big.csv", &vec![b'a'; 4096], &[]);
    let r = client::request(api.addr, "POST", "/api/v1/submissions", t, Some(&ct), &body);
    assert_eq!(shape(&r.expect(413)), "payload_too_large");
    let at = vec![b' '; 4096];
    let r = client::request(api.addr, "POST", "/api/v1/submissions/json", t, Some("application/json"), &at);
    assert_eq!(shape(&r.expect(422)), "sheet_refused");
    let mut big = b"{\"login\":\"boss\",\"password\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 1000));
    big.extend_from_slice(b"\"}");
    let r = client::request(api.addr, "POST", "/api/v1/login", None, Some("application/json"), &big);
    assert_eq!(shape(&r.expect(413)), "payload_too_large");
    // failed logins lock the name (3 here), even for the right password then
    for _ in 0..2 {
        assert_eq!(
            shape(&api.post("/api/v1/login", None, &json!({"login": "boss", "password": "wrong-wrong"})).expect(401)),
            "invalid_credentials"
        );
    }
    assert_eq!(
        shape(&api.post("/api/v1/login", None, &json!({"login": "boss", "password": "wrong-wrong"})).expect(429)),
        "too_many_failed_logins"
    );
    assert_eq!(
        shape(&api.post("/api/v1/login", None, &json!({"login": "boss", "password": "boss-password"})).expect(429)),
        "too_many_failed_logins"
    );
    // the browsable API page is served locally and loads nothing from outside
    let page = api.get("/api/docs/", None).expect(200);
    let init = api.get("/api/docs/swagger-initializer.js", None).expect(200);
    for text in [&page.body, &init.body] {
        assert!(!text.contains("http://") && !text.contains("https://"), "external reference: {text}");
    }
    assert!(init.body.contains("/api/openapi.json"), "{}", init.body);
    api.get("/api/docs/swagger-ui-bundle.js", None).expect(200);
}

both_backends!(walk_the_yearly_path, errors_are_json_and_limits_hold);
