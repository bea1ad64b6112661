//! Issue 17, security and limits: no database password in the output of
//! `hyoka migrate`.

use crate::common::workdir;

/// A password holding `/` was printed by `hyoka migrate`.
#[test]
fn migrate_never_prints_a_password_holding_a_slash() {
    let dir = workdir();
    for url in ["postgres://hyoka:pw/secret@127.0.0.1/hyoka", "postgres://hyoka:p@ssw0rd@127.0.0.1:1/hyoka"] {
        let out = crate::common::hyoka(url, dir.path()).arg("migrate").output().unwrap_or_else(|e| panic!("{e}"));
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "{text}");
        assert!(!text.contains("secret") && !text.contains("ssw0rd"), "{text}");
    }
}
