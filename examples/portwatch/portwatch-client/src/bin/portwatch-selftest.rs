//! `portwatch-selftest`: the `portwatch` module checked from user space
//! through the typed client, against the running kernel (`genl vm test`
//! runs it in each kernel it boots, as root). Prints one
//! `test NAME ... ok|FAILED` line per check and a libtest-style summary;
//! exits 1 if any check failed.
//!
//! Every shape of the schema makes a round trip (nests, sparse and
//! contiguous value enums, flags, 64-bit counters, bounded and exact-length
//! binary, repeated strings, an indexed array of nests, commands without
//! attributes, a dump with a filter, an event with a nest), and every
//! rejection the kernel must make is checked by its errno and by the
//! extended ACK's path (`RuleSpec.actions[1].kind`). Invalid requests are
//! written by hand ([`AttrWriter`]) and sent untyped. Expected values come
//! from the schema (`portwatch/src/lib.rs`) and from the kernel's netlink
//! validation (`lib/nlattr.c`: a value outside a range is `ERANGE`, a
//! binary length outside its bounds too; a bit outside a mask, a string too
//! long, an attribute the policy does not accept and a failed validation
//! function are `EINVAL`), never from the module's own answers.
//!
//! The checks run in a network namespace of their own (the module keeps
//! its rules per namespace; one check compares with the namespace the
//! program started in).

#[path = "portwatch-selftest/privileges.rs"]
mod privileges;
#[path = "portwatch-selftest/rejections.rs"]
mod rejections;
#[path = "portwatch-selftest/shapes.rs"]
mod shapes;
#[path = "portwatch-selftest/support.rs"]
mod support;

use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitCode};
use std::sync::OnceLock;
use std::time::Duration;

use genl_core::message::{AttrBuf, GenlHeader};
use genl_core::{
    AttrSet, AttrWriter, Command as _, Connection, Error, Family as _, Flags, KernelError,
    Subscription,
};
use portwatch::{
    portwatch_cmd, Action, ActionKind, Change, Hit, Match, MatchFilter, PortUse, PortwatchCmd,
    Proto, Rule, RuleFilter, RuleFlag, RuleId, RuleNotice, RuleSpec, Stats, Verdict,
};

use privileges::*;
use rejections::*;
use shapes::*;
use support::*;

type Check = Result<(), String>;

/// A check and its name.
type Named = (&'static str, fn() -> Check);

/// The connection the program started with, in the namespace it started
/// in (opened before the checks moved to their own).
static OUTER: OnceLock<std::sync::Mutex<Option<Connection>>> = OnceLock::new();

/// Moves the process to a network namespace of its own, keeping a
/// connection in the first one.
fn own_network_namespace() -> Check {
    let outer = conn()?;
    // SAFETY: unshare(2) with a flag, no pointers.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(format!(
            "unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        ));
    }
    OUTER
        .set(std::sync::Mutex::new(Some(outer)))
        .map_err(|_| "the first namespace's connection is set twice".to_owned())
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--unprivileged") {
        return match unprivileged() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = own_network_namespace() {
        println!("portwatch-selftest: {e}");
        println!("test result: FAILED. 0 passed; 1 failed");
        return ExitCode::FAILURE;
    }
    let checks: &[Named] = &[
        ("every_shape_round_trips", every_shape_round_trips),
        (
            "a_minimal_rule_gets_the_defaults",
            a_minimal_rule_gets_the_defaults,
        ),
        ("del_deletes_the_rule", del_deletes_the_rule),
        ("hits_count_in_64_bits", hits_count_in_64_bits),
        (
            "a_disabled_rule_counts_nothing",
            a_disabled_rule_counts_nothing,
        ),
        (
            "a_oneshot_rule_is_deleted_after_its_first_hit",
            a_oneshot_rule_is_deleted_after_its_first_hit,
        ),
        (
            "events_carry_the_change_and_the_match",
            events_carry_the_change_and_the_match,
        ),
        ("flush_deletes_every_rule", flush_deletes_every_rule),
        (
            "the_dump_resumes_and_filters_by_protocol",
            the_dump_resumes_and_filters_by_protocol,
        ),
        ("stats_counts_the_rules", stats_counts_the_rules),
        (
            "ports_lists_each_port_with_its_rules",
            ports_lists_each_port_with_its_rules,
        ),
        (
            "rules_are_per_network_namespace",
            rules_are_per_network_namespace,
        ),
        ("a_duplicate_id_is_eexist", a_duplicate_id_is_eexist),
        ("an_unknown_id_is_enoent", an_unknown_id_is_enoent),
        (
            "a_byte_counter_overflow_is_rejected",
            a_byte_counter_overflow_is_rejected,
        ),
        (
            "missing_required_attributes_are_named",
            missing_required_attributes_are_named,
        ),
        (
            "values_outside_the_schema_are_rejected",
            values_outside_the_schema_are_rejected,
        ),
        (
            "module_limits_are_rejected_with_the_attribute",
            module_limits_are_rejected_with_the_attribute,
        ),
        (
            "the_dump_filter_takes_the_protocol_alone",
            the_dump_filter_takes_the_protocol_alone,
        ),
        (
            "get_do_rejects_the_dump_filter",
            get_do_rejects_the_dump_filter,
        ),
        (
            "attribute_less_commands_reject_attributes",
            attribute_less_commands_reject_attributes,
        ),
        (
            "admin_commands_need_cap_net_admin",
            admin_commands_need_cap_net_admin,
        ),
        (
            "kernel_policy_matches_the_schema",
            kernel_policy_matches_the_schema,
        ),
    ];
    println!("running {} tests", checks.len());
    let mut failed = Vec::new();
    for (name, check) in checks {
        match check() {
            Ok(()) => println!("test {name} ... ok"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed.push(*name);
            }
        }
    }
    let passed = checks.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "test result: {verdict}. {passed} passed; {} failed",
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
