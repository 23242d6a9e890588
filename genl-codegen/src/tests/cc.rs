//! The C compiler as the judge of the uapi headers: they compile on their
//! own (`-std=c11 -pedantic -Werror`) and hold the schema's values. A host
//! without a C compiler fails these tests: they cannot pass untested.

use super::{out, policies::policy_family};
use genl_core::{AttrSet, Family};

/// Runs `cc` on `check` with `header` beside it as `gen.h`.
fn compile(name: &str, header: &str, check: &str) {
    let dir = std::env::temp_dir().join(format!("genl-codegen-cc-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gen.h"), header).unwrap();
    let c = dir.join("check.c");
    std::fs::write(&c, format!("#include \"gen.h\"\n{check}")).unwrap();
    let out = std::process::Command::new("cc")
        .args([
            "-std=c11",
            "-fsyntax-only",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
        ])
        .arg(&c)
        .output()
        .unwrap_or_else(|e| {
            panic!("no C compiler (`cc`) to check the uapi header: {e}; install gcc")
        });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn uapi_header_compiles_and_has_the_schema_values() {
    compile(
        "policy",
        &out(policy_family()).uapi,
        "_Static_assert(POLICY_TEST_CMD_GET == 1, \"cmd\");\n\
         _Static_assert(POLICY_TEST_CMD_MAX == 1, \"cmd max\");\n\
         _Static_assert(PT_A_ALL_IFNAME == 1, \"first attr\");\n\
         _Static_assert(PT_A_ALL_NAME == 10, \"attr\");\n\
         _Static_assert(PT_A_ALL_STATE == 12, \"attr after gap\");\n\
         _Static_assert(PT_A_ALL_MAX == 12, \"max\");\n\
         _Static_assert(POLICY_TEST_A_INNER_MAX == 2, \"derived prefix\");\n\
         _Static_assert(HANDSHAKE_HANDLER_CLASS_TLSHD == 1, \"enum\");\n\
         _Static_assert(POLICY_TEST_FAMILY_VERSION == 3, \"version\");\n\
         static const char name[] = POLICY_TEST_FAMILY_NAME;\n\
         _Static_assert(sizeof(name) == sizeof(\"policy-test\"), \"name\");\n",
    );
}

/// Pad at 3, after the attributes, and a gap before a later one.
#[derive(AttrSet)]
#[genl(pad = 3)]
#[allow(dead_code)]
pub struct Sample {
    #[nla(id = 1)]
    pub msg: Option<u32>,
    #[nla(id = 2)]
    pub cookie: Option<u64>,
    #[nla(id = 7)]
    pub late: Option<u64>,
}

#[derive(Debug, Clone, Copy, Family)]
#[genl(name = "padc")]
pub enum PadCmd {
    #[genl(cmd = 4, request = Sample, reply = Sample)]
    Echo,
}

#[test]
fn the_pad_attribute_has_its_declared_id() {
    compile(
        "pad",
        &out(PadCmd::SCHEMA).uapi,
        "_Static_assert(PADC_A_SAMPLE_COOKIE == 2, \"cookie\");\n\
         _Static_assert(PADC_A_SAMPLE_PAD == 3, \"pad\");\n\
         _Static_assert(PADC_A_SAMPLE_LATE == 7, \"late\");\n\
         _Static_assert(PADC_A_SAMPLE_MAX == 7, \"max\");\n\
         _Static_assert(PADC_CMD_ECHO == 4, \"cmd\");\n",
    );
}
