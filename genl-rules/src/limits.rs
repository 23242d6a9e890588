//! The kernel's limits on what a generic netlink family may name and
//! number, as `include/uapi/linux/netlink.h` and
//! `include/uapi/linux/genetlink.h` define them.

/// The flag of a nested attribute's type (`NLA_F_NESTED`, `1 << 15`).
pub const NLA_F_NESTED: u16 = 1 << 15;

/// The flag of an attribute whose payload is in network byte order
/// (`NLA_F_NET_BYTEORDER`, `1 << 14`).
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;

/// The bits of an attribute's type that are its id (`NLA_TYPE_MASK`,
/// `~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)` in 16 bits).
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// The largest attribute id: every bit of [`NLA_TYPE_MASK`] (16383). Ids
/// start at 1 (0 is unused, or the pad of some sets).
pub const MAX_ATTR_ID: u16 = NLA_TYPE_MASK;

/// The size of a family or multicast group name's buffer, its NUL
/// included (`GENL_NAMSIZ`).
pub const GENL_NAMSIZ: usize = 16;

/// The longest family or multicast group name, in bytes
/// (`GENL_NAMSIZ - 1`).
pub const GENL_NAME_MAX: usize = GENL_NAMSIZ - 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_values() {
        // netlink.h: #define NLA_F_NESTED (1 << 15), NLA_F_NET_BYTEORDER
        // (1 << 14), NLA_TYPE_MASK ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER).
        assert_eq!(NLA_F_NESTED, 0x8000);
        assert_eq!(NLA_F_NET_BYTEORDER, 0x4000);
        assert_eq!(NLA_TYPE_MASK, !(0x8000u32 | 0x4000) as u16);
        assert_eq!(NLA_TYPE_MASK, 0x3fff);
        assert_eq!(MAX_ATTR_ID, 16383);
        // genetlink.h: #define GENL_NAMSIZ 16 (with the NUL).
        assert_eq!(GENL_NAMSIZ, 16);
        assert_eq!(GENL_NAME_MAX, 15);
    }
}
