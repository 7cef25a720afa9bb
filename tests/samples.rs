//! Snapshots of what the README's example prints on `samples/site`: human output (no
//! color, width 80) and JSON. Read every snapshot diff before accepting it.

use std::process::{Command, Stdio};

/// The snapshots include AL310 (password file readable by others), so pin the modes a
/// checkout under umask 022 gives; git itself records no read bits.
fn pin_password_file_modes() {
    use std::os::unix::fs::PermissionsExt;
    for f in [
        "samples/site/auth/admin.htpasswd",
        "samples/site/auth/members.htpasswd",
    ] {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644))
            .expect("sample password file present");
    }
}

fn run(format: &str) -> String {
    pin_password_file_modes();
    let o = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args([
            "check",
            "--format",
            format,
            "--color",
            "never",
            "--map",
            "/srv/example=samples/site",
            "samples/site",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("authlint runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn human_output_on_samples() {
    insta::assert_snapshot!("samples_human", run("human"));
}

#[test]
fn json_output_on_samples() {
    insta::assert_snapshot!("samples_json", run("json"));
}
