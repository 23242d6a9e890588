//! String heavy: 12 string attributes of 3 to 60 bytes and one `u32`, as a
//! driver/firmware information reply (devlink `info`, ethtool `drvinfo`).

use genl_core::AttrSet;

use super::hand::{self, DecodeFailed, EncodeFailed};
use super::Shape;

/// The message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, AttrSet)]
pub struct DevInfo<'a> {
    #[nla(id = 1, max_len = 31)]
    pub driver: &'a str,
    #[nla(id = 2, max_len = 31)]
    pub version: &'a str,
    #[nla(id = 3, max_len = 31)]
    pub fw_version: &'a str,
    #[nla(id = 4, max_len = 31)]
    pub bus_info: &'a str,
    #[nla(id = 5)]
    pub serial: &'a str,
    #[nla(id = 6)]
    pub board_id: &'a str,
    #[nla(id = 7)]
    pub board_rev: &'a str,
    #[nla(id = 8)]
    pub asic_id: &'a str,
    #[nla(id = 9)]
    pub fw_mgmt: &'a str,
    #[nla(id = 10)]
    pub fw_app: &'a str,
    #[nla(id = 11)]
    pub description: &'a str,
    #[nla(id = 12)]
    pub location: Option<&'a str>,
    #[nla(id = 13)]
    pub flash_size: u32,
}

/// The shape.
pub struct Strings;

impl Shape for Strings {
    const NAME: &'static str = "strings";
    const WHAT: &'static str = "12 strings of 3..60 bytes (4 with max_len checks) and a u32";
    type Input = DevInfo<'static>;
    type Values<'a> = DevInfo<'a>;

    fn sample() -> DevInfo<'static> {
        DevInfo {
            driver: "mlx5_core",
            version: "6.12.9+bpo-amd64",
            fw_version: "22.39.1002 (MT_0000000359)",
            bus_info: "0000:3b:00.1",
            serial: "MT2236X04321",
            board_id: "MT_0000000359",
            board_rev: "A7",
            asic_id: "0x0212",
            fw_mgmt: "22.39.1002",
            fw_app: "22.39.1002-release-build-2024-03-01",
            description: "ConnectX-6 Dx EN adapter card, 100GbE, dual-port QSFP56",
            location: Some("rack 12, slot 3"),
            flash_size: 64 << 20,
        }
    }

    fn expected<'a>(input: &'a DevInfo<'static>) -> DevInfo<'a> {
        *input
    }

    #[inline(never)]
    fn genl_encode(d: &DevInfo<'static>, buf: &mut Vec<u8>) -> Result<(), genl_core::EncodeError> {
        super::genl_message(d, buf)
    }

    #[inline(never)]
    fn genl_decode(msg: &[u8]) -> Result<DevInfo<'_>, genl_core::DecodeError> {
        super::genl_parse(msg)
    }

    #[inline(never)]
    fn hand_encode(d: &DevInfo<'static>, buf: &mut Vec<u8>) -> Result<(), EncodeFailed> {
        hand::start(buf, 512);
        for (ty, s, max) in [
            (1, d.driver, 31),
            (2, d.version, 31),
            (3, d.fw_version, 31),
            (4, d.bus_info, 31),
        ] {
            if s.len() > max {
                return Err(EncodeFailed);
            }
            hand::string(buf, ty, s)?;
        }
        hand::string(buf, 5, d.serial)?;
        hand::string(buf, 6, d.board_id)?;
        hand::string(buf, 7, d.board_rev)?;
        hand::string(buf, 8, d.asic_id)?;
        hand::string(buf, 9, d.fw_mgmt)?;
        hand::string(buf, 10, d.fw_app)?;
        hand::string(buf, 11, d.description)?;
        if let Some(l) = d.location {
            hand::string(buf, 12, l)?;
        }
        hand::u32_(buf, 13, d.flash_size);
        hand::finish(buf);
        Ok(())
    }

    #[inline(never)]
    fn hand_decode(msg: &[u8]) -> Result<DevInfo<'_>, DecodeFailed> {
        let mut d = DevInfo::default();
        let mut seen = 0u32;
        hand::each_attr(hand::attrs(msg)?, |ty, v| {
            let short = |v| {
                let s = hand::get_str(v)?;
                if s.len() > 31 {
                    return Err(DecodeFailed);
                }
                Ok(s)
            };
            match ty {
                1 => d.driver = short(v)?,
                2 => d.version = short(v)?,
                3 => d.fw_version = short(v)?,
                4 => d.bus_info = short(v)?,
                5 => d.serial = hand::get_str(v)?,
                6 => d.board_id = hand::get_str(v)?,
                7 => d.board_rev = hand::get_str(v)?,
                8 => d.asic_id = hand::get_str(v)?,
                9 => d.fw_mgmt = hand::get_str(v)?,
                10 => d.fw_app = hand::get_str(v)?,
                11 => d.description = hand::get_str(v)?,
                12 => d.location = Some(hand::get_str(v)?),
                13 => d.flash_size = hand::get_u32(v)?,
                _ => return Ok(()),
            }
            seen |= 1 << ty;
            Ok(())
        })?;
        // Required: all but location (12).
        const REQUIRED: u32 = ((1 << 14) - 2) & !(1 << 12);
        if seen & REQUIRED != REQUIRED {
            return Err(DecodeFailed);
        }
        Ok(d)
    }

    fn malformed(msg: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        // "mlx5_core\0" at 24..34: an interior NUL, then invalid UTF-8.
        let mut nul = msg.to_vec();
        nul[26] = 0;
        let mut utf8 = msg.to_vec();
        utf8[26] = 0xff;
        vec![("a string with a NUL inside", nul), ("invalid UTF-8", utf8)]
    }
}
