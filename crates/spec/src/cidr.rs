//! IPv4 CIDR blocks, validated on parse.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 network in CIDR notation whose host bits are zero, e.g. `10.40.0.0/16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Cidr {
    network: u32,
    prefix: u8,
}

impl Ipv4Cidr {
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    fn mask(&self) -> u32 {
        if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) }
    }

    /// Whether `other` lies entirely inside this network.
    pub fn contains(&self, other: &Ipv4Cidr) -> bool {
        other.prefix >= self.prefix && other.network & self.mask() == self.network
    }

    /// Whether the two networks share any address.
    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = s.split_once('/').ok_or_else(|| format!("invalid CIDR `{s}`: expected a.b.c.d/prefix"))?;
        let addr: Ipv4Addr =
            addr.parse().map_err(|_| format!("invalid CIDR `{s}`: `{addr}` is not an IPv4 address"))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("invalid CIDR `{s}`: prefix must be 0..=32"))?;
        let cidr = Ipv4Cidr { network: u32::from(addr), prefix };
        if cidr.network & !cidr.mask() != 0 {
            let base = Ipv4Addr::from(cidr.network & cidr.mask());
            return Err(format!("invalid CIDR `{s}`: host bits are set (did you mean {base}/{prefix}?)"));
        }
        Ok(cidr)
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

impl<'de> serde::Deserialize<'de> for Ipv4Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Ipv4Cidr;

    fn c(s: &str) -> Ipv4Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(c("10.40.0.0/16").to_string(), "10.40.0.0/16");
    }

    #[test]
    fn rejects_bad_input() {
        for bad in ["10.40.0.0", "10.400.0.0/16", "10.40.0.0/33", "10.40.0.1/16", "x/8"] {
            assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn containment_and_overlap() {
        assert!(c("10.40.0.0/16").contains(&c("10.40.32.0/19")));
        assert!(!c("10.40.0.0/16").contains(&c("10.41.0.0/24")));
        assert!(!c("10.40.0.0/24").contains(&c("10.40.0.0/16")));
        assert!(c("10.40.0.0/22").overlaps(&c("10.40.2.0/24")));
        assert!(!c("10.40.0.0/22").overlaps(&c("10.40.4.0/22")));
    }
}
