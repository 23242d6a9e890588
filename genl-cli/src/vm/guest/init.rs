//! The guest's `/init` script: it loads the modules, runs the programs
//! and prints the verdict.

use super::*;

/// Quotes `s` for the guest's `sh`.
pub(super) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What `/init` needs to know about the boot besides the programs.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The boot's secret: only `/init` reads it (from
    /// `/etc/genl-vm-token`, deleted before any program runs) and prints it
    /// in its `GENL-VM-RESULT:` line, so a program cannot forge the verdict.
    pub token: String,
    /// The series name (`GENL_VM_SERIES`).
    pub series: String,
    /// A sanitizer kernel: `GENL_VM_DEBUG=1`, and kmemleak is armed before
    /// the modules load and scanned after they are unloaded (0 leaks).
    pub debug: bool,
    /// A second revision of the modules (`--module-rev`), put in the guest
    /// but not loaded.
    pub module_rev: Option<ModuleRev>,
}

/// The modules of another revision of the module dir, built for the
/// booted kernel: in the guest under [`MODULE_REV_DIR`]
/// (`GENL_VM_MODULE_REV_DIR`), with the commit in `GENL_VM_MODULE_REV`, for
/// guest programs to load in place of the working tree's.
#[derive(Clone, Debug)]
pub struct ModuleRev {
    /// The commit the modules were built from (full hash).
    pub commit: String,
    /// The `.ko` files.
    pub kos: Vec<PathBuf>,
}

/// Where the guest holds a [`ModuleRev`]'s modules: outside
/// `/lib/modules`, so that depmod, modprobe and the family autoload only
/// ever see the working tree's.
pub const MODULE_REV_DIR: &str = "/lib/genl-vm-rev";

/// A file a guest program creates when it stopped on a finding (`genl fuzz
/// --stop-on-finding`): the run has failed already, so on a debug kernel
/// `/init` skips the kmemleak scans after the unload (two scans 6 s apart,
/// 20-40 s under emulation) and says so. The kernel-log check still runs.
pub const STOPPED_ON_FINDING: &str = "/tmp/genl-vm-stopped-on-finding";

/// A fresh random token (32 hex digits from `/dev/urandom`).
pub fn random_token() -> Result<String, GuestError> {
    use std::io::Read;
    let mut b = [0u8; 16];
    let urandom = Path::new("/dev/urandom");
    std::fs::File::open(urandom)
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(io(urandom))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The kernel log lines that fail a run when they appear after the start
/// marker (an extended regular expression for `grep -E`): oopses, BUG and
/// WARNING reports (lockdep's, sleeping in atomic context and KASAN's
/// start with one of them), refcount and list corruption, UBSAN and KASAN
/// reports, debug objects (`ODEBUG:`), lockdep giving up, RCU stalls,
/// soft lockups, hung tasks, kmemleak's "new suspected memory leaks".
pub const KERNEL_LOG_FAILURES: &str =
    "BUG|WARNING|Oops|refcount|leak|Call Trace|UBSAN|KASAN|ODEBUG|\
general protection|corruption|soft lockup|hung task|lockdep|possible circular|possible recursive|\
inconsistent lock|suspicious RCU|detected stalls|Unable to handle";

/// The `/init` script. `modules` are guest paths in load order; `ours` are the
/// module names the harness built (unloaded at the end to catch leaks).
pub(super) fn init_script(
    modules: &[String],
    ours: &[String],
    bins: &[(String, String, &[String])],
    o: &InitOptions,
) -> String {
    let mut s = String::from(
        r#"#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TMPDIR=/tmp RUST_BACKTRACE=1
/bin/busybox --install -s
# The boot's token: in no file and no exported variable once programs run.
read -r token < /etc/genl-vm-token
rm -f /etc/genl-vm-token
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname genl-vm
ip link set lo up 2>/dev/null
export GENL_VM=1 GENL_VM_KERNEL="$(uname -r)"
export GENL_VM_MODULE_DIR="/lib/modules/$(uname -r)/extra"
fail=""
addfail() { fail="${fail:+$fail; }$*"; echo "GENL-VM: FAIL: $*"; }
kmemleak=/sys/kernel/debug/kmemleak
"#,
    );
    s += &format!("export GENL_VM_SERIES={}\n", sh_quote(&o.series));
    if let Some(rev) = &o.module_rev {
        s += &format!(
            "export GENL_VM_MODULE_REV_DIR={MODULE_REV_DIR} GENL_VM_MODULE_REV={}\n",
            sh_quote(&rev.commit)
        );
    }
    if o.debug {
        s += r#"export GENL_VM_DEBUG=1
# Leaks from before the tests (boot) are reported and cleared now, before the
# start marker: only what the modules and the tests leave counts.
if [ -w $kmemleak ]; then
    echo scan > $kmemleak
    echo clear > $kmemleak
    echo "GENL-VM: kmemleak armed"
else
    addfail "the debug kernel has no $kmemleak"
fi
"#;
    }
    s += r#"echo "GENL-VM-KMSG-START" > /dev/kmsg
echo "GENL-VM: kernel $(uname -r), $(nproc) cpus"
"#;
    s += &format!("export GENL_VM_MODULES={}\n", sh_quote(&ours.join(" ")));
    for m in modules {
        let base = m.rsplit('/').next().unwrap_or(m);
        s += &format!(
            "echo \"GENL-VM: insmod {m}\"\n\
             out=$(insmod {q} 2>&1) || addfail \"insmod {base} failed: ${{out##*: }}\"\n",
            q = sh_quote(m)
        );
    }
    s += r#"if grep -q genl_vm_shell /proc/cmdline; then
    echo "GENL-VM: interactive shell; test programs are in /tests; exit leaves"
    cd /root
    setsid cttyhack sh
    reboot -f
fi
if [ -z "$fail" ]; then
    cd /root
"#;
    for (name, path, args) in bins {
        let argv: Vec<String> = args.iter().map(|a| sh_quote(a)).collect();
        s += &format!(
            "    echo \"GENL-VM-TEST-BEGIN {name}\"\n    \
             {path} {argv} </dev/null 2>&1\n    \
             rc=$?\n    \
             echo \"GENL-VM-TEST-END {name} rc=$rc\"\n    \
             [ $rc -eq 0 ] || addfail \"{name} exited with status $rc\"\n",
            path = sh_quote(path),
            argv = argv.join(" ")
        );
    }
    s += "fi\n";
    // After an oops (taint flag D, 128) unloading can hang on a lock the
    // killed task held; the oops fails the run anyway (the kernel-log
    // check).
    s += "oopsed=\nif [ $(( $(cat /proc/sys/kernel/tainted) & 128 )) -ne 0 ]; then\n    \
          oopsed=1\n    \
          echo \"GENL-VM: the kernel oopsed: the modules stay loaded (no unload, no kmemleak scan)\"\nelse\n";
    for m in ours.iter().rev() {
        s += &format!(
            "if [ -d /sys/module/{m} ]; then\n    \
             out=$(rmmod {m} 2>&1) || addfail \"rmmod {m} failed: $out\"\nfi\n"
        );
    }
    s += "fi\n";
    if o.debug {
        // kmemleak reports objects older than 5 s: the second scan sees
        // what was allocated just before the unload.
        s += &format!(
            "if [ -e {STOPPED_ON_FINDING} ]; then\n    \
             echo \"GENL-VM: a program stopped on a finding: no kmemleak scan after the unload\"\n\
             elif [ -z \"$oopsed\" ] && [ -w $kmemleak ]; then\n"
        );
        s += r#"    echo scan > $kmemleak
    sleep 6
    echo scan > $kmemleak
    leaks=$(grep -c '^unreferenced object' $kmemleak)
    echo "GENL-VM: kmemleak after rmmod: $leaks unreferenced object(s) (2 scans, 6 s apart)"
    if [ "$leaks" != 0 ]; then
        echo GENL-VM-KMEMLEAK-BEGIN
        cat $kmemleak
        echo GENL-VM-KMEMLEAK-END
        addfail "kmemleak: $leaks unreferenced object(s) after the modules were unloaded"
    fi
fi
"#;
    }
    s += r#"sleep 0.2
dmesg > /tmp/dmesg.txt
echo GENL-VM-DMESG-BEGIN
cat /tmp/dmesg.txt
echo GENL-VM-DMESG-END
# Without the start marker the log cannot be judged (it wrapped): a failure.
if grep -q GENL-VM-KMSG-START /tmp/dmesg.txt; then
"#;
    s += &format!(
        "    bad=$(sed -n '/GENL-VM-KMSG-START/,$p' /tmp/dmesg.txt | grep -E '{KERNEL_LOG_FAILURES}')\n"
    );
    s += r#"    [ -z "$bad" ] || addfail "kernel log: $(echo "$bad" | head -n 1)"
else
    addfail "kernel log: the start marker is gone (the ring buffer wrapped): it cannot be checked"
fi
if [ -z "$fail" ]; then
    echo "GENL-VM-RESULT: $token PASS"
else
    echo "GENL-VM-RESULT: $token FAIL $fail"
fi
sync
# Resets the machine: qemu (-no-reboot) exits, with or without ACPI.
reboot -f
"#;
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(debug: bool) -> String {
        let args = ["--x".to_owned()];
        init_script(
            &["/lib/modules/r/extra/m.ko".into()],
            &["m".into()],
            &[("t".into(), "/tests/01-t".into(), &args[..])],
            &InitOptions {
                token: "tok".into(),
                series: "6.12-debug".into(),
                debug,
                module_rev: None,
            },
        )
    }

    #[test]
    fn a_module_rev_is_announced_to_the_programs_and_not_loaded() {
        let rev = ModuleRev {
            commit: "0123abcd".into(),
            kos: vec![PathBuf::from("/x/genl_demo.ko")],
        };
        let s = init_script(
            &["/lib/modules/r/extra/m.ko".into()],
            &["m".into()],
            &[],
            &InitOptions {
                token: "tok".into(),
                series: "6.12".into(),
                debug: false,
                module_rev: Some(rev),
            },
        );
        assert!(s.contains(
            "export GENL_VM_MODULE_REV_DIR=/lib/genl-vm-rev GENL_VM_MODULE_REV='0123abcd'\n"
        ));
        let exported = s.find("GENL_VM_MODULE_REV_DIR").unwrap();
        let first_program = s.find("GENL-VM-TEST-BEGIN").unwrap_or(s.len());
        assert!(exported < first_program);
        assert!(!s.contains("insmod '/lib/genl-vm-rev"));
    }

    #[test]
    fn the_verdict_needs_the_token_and_the_start_marker() {
        let s = script(false);
        // The token is read, then its file removed, before any program runs.
        let read = s.find("read -r token < /etc/genl-vm-token").unwrap();
        let rm = s.find("rm -f /etc/genl-vm-token").unwrap();
        let run = s.find("/tests/01-t").unwrap();
        assert!(read < rm && rm < run);
        assert!(!s.contains("export token") && !s.contains("tok "));
        assert!(s.contains("echo \"GENL-VM-RESULT: $token PASS\""));
        // A wrapped log (no start marker) fails.
        assert!(s.contains("the start marker is gone"));
        assert!(s.contains(&format!("grep -E '{KERNEL_LOG_FAILURES}'")));
        for p in [
            "KASAN",
            "UBSAN",
            "ODEBUG",
            "possible circular",
            "BUG",
            "WARNING",
        ] {
            assert!(KERNEL_LOG_FAILURES.contains(p), "{p}");
        }
        assert!(s.contains("export GENL_VM_SERIES='6.12-debug'"));
        assert!(!s.contains("GENL_VM_DEBUG") && !s.contains("echo scan"));
    }

    #[test]
    fn the_script_parses_and_leaves_the_modules_loaded_after_an_oops() {
        for debug in [false, true] {
            let s = script(debug);
            let st = std::process::Command::new("sh")
                .args(["-n", "-c", &s])
                .status()
                .unwrap();
            assert!(st.success(), "sh -n: {s}");
            // Taint flag D (128, `die()`) skips the unload.
            let guard = s.find("/proc/sys/kernel/tainted) & 128 ))").unwrap();
            assert!(guard < s.find("rmmod m").unwrap());
        }
    }

    #[test]
    fn a_debug_kernel_arms_kmemleak_and_scans_after_rmmod() {
        let s = script(true);
        assert!(s.contains("export GENL_VM_DEBUG=1"));
        // Armed (scan + clear) before the start marker and the modules.
        let clear = s.find("echo clear > $kmemleak").unwrap();
        let marker = s.find("echo \"GENL-VM-KMSG-START\" > /dev/kmsg").unwrap();
        let insmod = s.find("insmod '/lib/modules").unwrap();
        assert!(clear < marker && marker < insmod);
        // Two scans after rmmod; leaks fail.
        let rmmod = s.find("rmmod m").unwrap();
        let scans: Vec<usize> = s
            .match_indices("echo scan > $kmemleak")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(scans.len(), 3);
        assert!(scans[1] > rmmod && scans[2] > scans[1]);
        assert!(s.contains("addfail \"kmemleak: $leaks unreferenced object(s)"));
        // A program that stopped on a finding skips them.
        let stopped = s.find(&format!("if [ -e {STOPPED_ON_FINDING} ]")).unwrap();
        assert!(rmmod < stopped && stopped < scans[1]);
    }
}
