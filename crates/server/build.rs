//! Stages the built web UI (`web/dist`) into OUT_DIR for embedding. When the UI has not been built (a Rust-only
//! checkout), a one-page notice that says how to build it is embedded instead, so the server still compiles.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dist = manifest.join("../../web/dist");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("web");
    println!("cargo:rerun-if-changed={}", dist.display());
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("clear staged web dir");
    }
    std::fs::create_dir_all(&out).expect("create staged web dir");
    if dist.join("index.html").is_file() {
        copy_dir(&dist, &out);
        println!("cargo:rustc-env=RACECRAFT_WEB_UI=built");
    } else {
        std::fs::write(
            out.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>Racecraft</title><body style=\"font-family:sans-serif;background:#111;color:#ddd\">\
             <h1>Racecraft</h1><p>The web UI was not built into this binary. Run <code>npm ci &amp;&amp; npm run build</code> in \
             <code>web/</code>, then rebuild. The API is available under <a href=\"/api/sessions\" style=\"color:#8cf\">/api</a>.</p>",
        )
        .expect("write placeholder");
        println!("cargo:rustc-env=RACECRAFT_WEB_UI=placeholder");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read web/dist") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            println!("cargo:rerun-if-changed={}", entry.path().display());
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy asset");
        }
    }
}
