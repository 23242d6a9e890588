//! Derives for [genl](https://docs.rs/genl-core): `AttrSet`, `AttrEnum`,
//! `ValueEnum` and `Family`. Use them through `genl_core`, which re-exports
//! them; the generated code refers to `::genl_core`.
//!
//! The crate is shaped like serde_derive:
//! - `ast` parses a whole derive input (`#[genl(...)]`, `#[nla(...)]`)
//!   into a plain model, collecting every error with its span;
//! - `check` holds every cross-field rule, in one place;
//! - `emit` turns a checked model into tokens, and only emits;
//! - `ctxt` collects the errors (and panics if they are never looked at).
//!
//! Rules that depend on values only the compiler knows — ids given as
//! `const` paths, a subset's fields against its parent set, name collisions
//! between the sets a family reaches — are emitted as `const` assertions: a
//! violation is a compile error that names what is wrong.

mod ast;
mod check;
mod ctxt;
mod emit;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use crate::ctxt::Ctxt;

fn finish(cx: Ctxt, tokens: proc_macro2::TokenStream) -> TokenStream {
    match cx.check() {
        Ok(()) => tokens.into(),
        Err(errors) => {
            let ts = errors.into_iter().map(|e| e.to_compile_error());
            quote::quote!(#(#ts)*).into()
        }
    }
}

/// Derives a typed attribute set on a struct with named fields: id
/// constants, an encoder ([`Encode`]), a borrowing decoder ([`Decode`]), a
/// `const` schema ([`AttrSet`]), and [`NlaValue`] so the set can be nested.
///
/// # Fields: `#[nla(...)]`
///
/// | key | meaning |
/// |---|---|
/// | `id = N` or `id = path::CONST` | the attribute id, 1..=16383, unique in the set; a `u16` constant is checked by the compiler |
/// | `multi` | a `Vec<T>` or `CheckedMulti<'a, T>` field: a repeated attribute |
/// | `indexed` | a `Vec<T>` field: one nest whose children are numbered 1..=n (an empty `Vec` is no attribute) |
/// | `nested` | asserts the field's type is a nested attribute set |
/// | `be` | the integer is in network byte order (`NLA_BE16`/`NLA_BE32`) |
/// | `min_len = N`, `max_len = N` | length limits of strings (without the NUL) and bytes |
/// | `min = N`, `max = N` | range limits of integers |
///
/// **Types.** A field's Rust type gives its attribute type:
///
/// | Rust type | attribute (kernel policy, YNL type) |
/// |---|---|
/// | `u8`, `u16`, `u32`, `u64`, `i32`, `i64` (`i8`/`i16` have no YNL type) | `NLA_U8` … `NLA_S64` (`u8` … `s64`) |
/// | the same with `be`, or `Be<u16>` … | `NLA_BE16`/`NLA_BE32` (`byte-order: big-endian`) |
/// | `genl_core::Uint`, `genl_core::Sint` | `NLA_UINT`/`NLA_SINT` (Linux 6.8+) |
/// | `bool` | `NLA_FLAG` (`flag`) |
/// | `&'a str`, `String` | `NLA_NUL_STRING` (`string`) |
/// | `&'a [u8]`, `Vec<u8>` | `NLA_BINARY` (`binary`); `min_len = max_len = N` is an exact length (`NLA_POLICY_EXACT_LEN`, YNL `exact-len`) |
/// | `[u8; N]` | `NLA_BINARY` of exactly `N` bytes (`NLA_POLICY_EXACT_LEN(N)`, `exact-len: N`) |
/// | a `#[derive(ValueEnum)]` enum | its `#[repr]` integer; the kernel checks the value is one of the variants (a range when they are contiguous, a generated validation function otherwise) |
/// | `genl_core::Flags<E>`, `E` a `#[genl(flags)]` value enum | its `#[repr]` integer carrying any OR of `E`'s bits; the kernel rejects other bits (`NLA_POLICY_MASK`; YNL `flags`) |
/// | `genl_core::Bitfield32` | `NLA_BITFIELD32` |
/// | a `#[derive(AttrSet)]` struct | `NLA_NESTED` (`nest`) |
/// | `Vec<T>` with `multi`, `CheckedMulti<'a, T>`, `DeferredMulti<'a, T>` | `T`, repeated (`multi-attr: true`) |
/// | `Vec<T>` with `indexed` | `NLA_NESTED_ARRAY` (`indexed-array`): one nest of elements numbered 1..=n; an extended ACK inside an element names it, `Request.actions[1].kind` |
///
/// **Presence** comes from the type: a `T` field is *required*, an
/// `Option<T>` optional, a `bool` a flag (absent = `false`), `Vec<T>` +
/// `multi` repeated. Required means: decoding a message without it is an
/// error naming it, and the generated kernel code rejects a request without
/// it (`GENL_REQ_ATTR_CHECK`, the missing attribute reported in the extended
/// ACK). Checks (`min*`/`max*`) are enforced on both sides: by this encoder
/// and decoder, and by the kernel through the generated `nla_policy`.
///
/// For each field the derive defines an inherent constant with its id,
/// named after the field in capitals: `KvEntry::KEY` for `key`.
///
/// # The struct: `#[genl(...)]`
///
/// | key | meaning |
/// |---|---|
/// | `name = "..."` | the set's name (default: the type name); C and YNL names come from it, and two different sets of one family may not share it |
/// | `c_prefix = "DEMO_A_KV"` | prefix of the C enum constants; default `<FAMILY>_A_<NAME>` (`KvMeta` in family `genl_demo` → `GENL_DEMO_A_KV_META`) |
/// | `pad = N` | id of the pad attribute the kernel puts before 64-bit attributes (`nla_put_u64_64bit`); required by the code generator on a set that carries `u64`/`i64` attributes from the kernel |
/// | `subset_of = Set` | this struct selects attributes of `Set` for one operation (see below) |
/// | `id0` | attribute id 0 is a real attribute of this set, as in some kernel sets (`OVS_TUNNEL_KEY_ATTR_ID`, `IFLA_VF_STATS_RX_PACKETS`); the code generator refuses such a set, since C families reserve 0 for `UNSPEC` |
///
/// # Subsets: an attribute declared once, selected per operation
///
/// A struct with `#[genl(subset_of = KvEntry)]` names some of `KvEntry`'s
/// fields (by field name, without `#[nla(id)]` or checks: those are
/// `KvEntry`'s) and decides for itself which are required. It encodes and
/// decodes like any set, and renders as `KvEntry` in C and YNL; an operation
/// whose request is the subset accepts only its attributes and requires its
/// required ones. Types, byte order and `multi` must match the parent's
/// (checked by the compiler). A field the parent declares `multi` or
/// `indexed` repeats that key in the subset (`#[nla(multi)] pub tags:
/// Vec<&'a str>`): without it a `Vec` field is an error that says so.
///
/// A subset may also be the type of a nested field of another set or
/// subset (`pub r#match: MatchFilter` in a dump filter): the kernel then
/// checks that nest with the subset's own policy, so a filter accepts only
/// the attributes its subset names, and requires the ones it requires, at
/// every level of nesting.
///
/// ```
/// # use genl_core::AttrSet;
/// /// A counter: every attribute, declared once.
/// #[derive(AttrSet)]
/// pub struct Counter<'a> {
///     #[nla(id = 1, min_len = 1, max_len = 32)] pub name: &'a str,
///     #[nla(id = 2)] pub value: Option<u64>,
/// }
/// /// The request of GET: the name only.
/// #[derive(AttrSet)]
/// #[genl(subset_of = Counter)]
/// pub struct CounterKey<'a> { pub name: &'a str }
/// assert_eq!(CounterKey::NAME, Counter::NAME);
/// ```
///
/// [`Encode`]: ../genl_core/trait.Encode.html
/// [`Decode`]: ../genl_core/trait.Decode.html
/// [`AttrSet`]: ../genl_core/trait.AttrSet.html
/// [`NlaValue`]: ../genl_core/trait.NlaValue.html
#[proc_macro_derive(AttrSet, attributes(genl, nla))]
pub fn derive_attr_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = Ctxt::new();
    let set = ast::Set::from_ast(&cx, &input);
    check::set(&cx, &set);
    let tokens = if cx.has_errors() {
        proc_macro2::TokenStream::new()
    } else {
        emit::set::emit(&set)
    };
    finish(cx, tokens)
}

/// Derives an attribute enum (the trait `AttrEnum`): an enum whose
/// variants are the attributes of an open set. Each variant
/// `#[nla(id = N)] Name(T)` is one attribute (`N` a literal or a `u16`
/// constant's path); a unit variant is a flag; an optional
/// `#[nla(other)] Other(u16, &'a [u8])` variant keeps unknown ids (without
/// it, an unknown id is a decode error, never silently dropped). Variants
/// take `be`, `min_len`, `max_len`, `min` and `max` like set fields.
/// Container keys: `#[genl(name = "...", c_prefix = "...")]`. Each variant's
/// id is an inherent constant named in capitals (`FamilyId` → `FAMILY_ID`).
#[proc_macro_derive(AttrEnum, attributes(genl, nla))]
pub fn derive_attr_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = Ctxt::new();
    let attr_enum = ast::AttrEnum::from_ast(&cx, &input);
    check::attr_enum(&cx, &attr_enum);
    let tokens = if cx.has_errors() {
        proc_macro2::TokenStream::new()
    } else {
        emit::attr_enum::emit(&attr_enum)
    };
    finish(cx, tokens)
}

/// Derives a value enum: a C-like enum carried in an integer attribute
/// (`#[repr(u8|u16|u32|u64)]`, default `u32`). Decoding an unknown number is
/// an error naming the enum. The generated kernel policy accepts exactly the
/// declared values: a range when they are contiguous, a generated validation
/// function (`NLA_POLICY_VALIDATE_FN`) when they are not (`tcp = 6, udp =
/// 17`).
///
/// Container keys, `#[genl(...)]`:
///
/// | key | meaning |
/// |---|---|
/// | `c_prefix = "..."` | the prefix of its C constants (default `<FAMILY>_<NAME>`) |
/// | `flags` | a flags enum: every variant is one bit (`1`, `2`, `4`, …; checked when it compiles). Carry a set of them in a `genl_core::Flags<Self>` field (`A \| B` builds one); it renders as a YNL `flags` definition and a uapi enum of the bit values, and the kernel policy accepts only their OR (`NLA_POLICY_MASK`) |
#[proc_macro_derive(ValueEnum, attributes(genl))]
pub fn derive_value_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = Ctxt::new();
    let e = ast::ValueEnum::from_ast(&cx, &input);
    let tokens = if cx.has_errors() {
        proc_macro2::TokenStream::new()
    } else {
        emit::value_enum::emit(&e)
    };
    finish(cx, tokens)
}

/// Derives a generic netlink family on its command enum, and a module of
/// typed commands.
///
/// # The enum: `#[genl(...)]`
///
/// | key | meaning |
/// |---|---|
/// | `name = "..."` | the family name registered with the controller (1 to 15 bytes) |
/// | `version = N` | `genlmsghdr.version` (default 1) |
/// | `mcast_groups("a", "b")` | the multicast groups, by name |
/// | `c_prefix = "..."` | prefix of the C constants (default: the name in capitals) |
/// | `uapi_header = "linux/x.h"` | the uapi header's path under `include/uapi/` (default `linux/<name>.h`; the code generator refuses a default that the kernel's own headers already use) |
/// | `commands_mod = "..."` | the module of typed commands (default: the enum's name in snake case, `DemoCmd` → `demo_cmd`) |
///
/// # Commands: `#[genl(...)]` on each variant
///
/// | key | meaning |
/// |---|---|
/// | `cmd = N` | the command number, 1..=255 |
/// | `request = T` | the request of the `do` operation (with `dump_only`: of the dump) |
/// | `reply = T` | the reply of the `do` operation and of each dumped message; without it, `do` is answered by an ACK |
/// | `dump` | the command also has a `dump` operation (its request: `dump_request`, else none) |
/// | `dump_request = T` | the request of the dump, e.g. a filter |
/// | `dump_only` | the command has a dump and no `do` |
/// | `admin_perm` | needs `CAP_NET_ADMIN` (`GENL_ADMIN_PERM`); use it on every mutating command |
/// | `event` / `event = "group"` | the kernel sends this command as a notification carrying `reply`, to `group` (may be omitted when the family has exactly one group); an event has no `do` or `dump` |
///
/// Types in `request`/`reply` that borrow write their lifetime:
/// `request = KvKey<'a>` (any lifetime name works; it is the receive
/// buffer's).
///
/// # Typed commands
///
/// For `enum DemoCmd { KvGet, .. }` the derive writes `mod demo_cmd { pub
/// struct KvGet; .. }`, each type implementing `genl_core::Command` and, as
/// the command has them, `Query` (a `do` with a reply), `Ack` (a `do`
/// answered by an ACK), `DumpCommand` and `Notification`. The connection's
/// methods take these, so `conn.query(demo_cmd::KvGet, &key)` returns a
/// `KvEntry` and a wrong request type does not compile.
///
/// The family is checked when it compiles: two different sets it reaches
/// may not share a name or C prefix (the error names both Rust paths), an
/// event's group must be declared.
#[proc_macro_derive(Family, attributes(genl))]
pub fn derive_family(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let cx = Ctxt::new();
    let fam = ast::FamilyEnum::from_ast(&cx, &input);
    check::family(&cx, &fam);
    let tokens = if cx.has_errors() {
        proc_macro2::TokenStream::new()
    } else {
        emit::family::emit(&fam)
    };
    finish(cx, tokens)
}
