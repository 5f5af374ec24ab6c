//! IPv4 and IPv6 networks for `IpAddress`/`NotIpAddress`.

use std::net::IpAddr;

/// A network in CIDR notation; an address without a prefix is a single host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u32,
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address.parse::<IpAddr>().ok()?, Some(prefix.parse::<u32>().ok()?)),
            None => (text.trim().parse::<IpAddr>().ok()?, None),
        };
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Cidr { network: address, prefix })
    }

    /// Whether `address` (a request value) is in this network; families never mix.
    pub(crate) fn contains(&self, address: &str) -> bool {
        let Ok(address) = address.trim().parse::<IpAddr>() else { return false };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                same_prefix(u128::from(network.to_bits()) << 96, u128::from(address.to_bits()) << 96, self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                same_prefix(network.to_bits(), address.to_bits(), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    a & mask == b & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_networks_and_hosts() {
        let network = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(network.contains("203.0.113.7"));
        assert!(!network.contains("203.0.114.7"));
        let host = Cidr::parse("203.0.113.7/32").unwrap();
        assert!(host.contains("203.0.113.7") && !host.contains("203.0.113.8"));
        assert_eq!(Cidr::parse("203.0.113.7"), Some(host));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"));
    }

    #[test]
    fn ipv6_networks_and_no_mixing_of_families() {
        let network = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(network.contains("2001:db8:1234:5678::1"));
        assert!(!network.contains("2001:db8:1234:5679::1"));
        assert!(!network.contains("203.0.113.7"));
        assert!(!Cidr::parse("203.0.113.0/24").unwrap().contains("::ffff:1"));
    }

    #[test]
    fn invalid_networks_are_rejected() {
        assert_eq!(Cidr::parse("203.0.113.0/33"), None);
        assert_eq!(Cidr::parse("not-an-ip"), None);
        assert!(!Cidr::parse("10.0.0.0/8").unwrap().contains("garbage"));
    }
}
