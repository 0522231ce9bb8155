//! Where the server listens, and whether it may listen there without a key.
//! Cloud Run sets PORT and expects 0.0.0.0; anywhere else the default is
//! loopback. Reachable from outside without a key: a loud warning in
//! simulate mode, and in gcp mode a refusal (anyone could spend the
//! project's money) unless --allow-unauthenticated says that is intended.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use crate::generate::Mode;

pub const DEFAULT_PORT: u16 = 8080;
pub const PORT_ENV: &str = "PORT";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindPlan {
    pub addr: SocketAddr,
    /// Printed (and logged) before serving.
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BindRequest<'a> {
    pub host: Option<&'a str>,
    pub port: Option<u16>,
    /// The value of PORT, if set.
    pub env_port: Option<&'a str>,
    pub has_key: bool,
    pub allow_unauthenticated: bool,
}

pub fn plan(req: &BindRequest<'_>, mode: Mode) -> Result<BindPlan, String> {
    let env_port = match req.env_port.filter(|p| !p.is_empty()) {
        Some(p) => Some(
            p.trim()
                .parse::<u16>()
                .map_err(|_| format!("{PORT_ENV}: {p:?} is not a port number (1 to 65535)"))?,
        ),
        None => None,
    };
    let port = req.port.or(env_port).unwrap_or(DEFAULT_PORT);
    let ip = match req.host {
        Some(host) => resolve(host, port)?,
        None if env_port.is_some() => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    let addr = SocketAddr::new(ip, port);
    if ip.is_loopback() || req.has_key {
        return Ok(BindPlan {
            addr,
            warning: None,
        });
    }
    match mode {
        Mode::Gcp if !req.allow_unauthenticated => Err(format!(
            "refusing to serve gcp mode on {addr} without an API key: anyone who can reach it \
             could spend the project's money. Set MUSIC_GEN_API_KEY, listen on 127.0.0.1, or \
             pass --allow-unauthenticated if something in front (a proxy, Cloud Run IAM) checks callers"
        )),
        Mode::Gcp => Ok(BindPlan {
            addr,
            warning: Some(format!(
                "WARNING: gcp mode on {addr} without an API key (--allow-unauthenticated): \
                 every caller that reaches it can generate at the project's expense"
            )),
        }),
        Mode::Simulate => Ok(BindPlan {
            addr,
            warning: Some(format!(
                "WARNING: listening on {addr} without an API key: anyone who can reach it can \
                 read, replace and delete presets. Set MUSIC_GEN_API_KEY to require a key"
            )),
        }),
    }
}

fn resolve(host: &str, port: u16) -> Result<IpAddr, String> {
    if let Ok(ip) = host
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<IpAddr>()
    {
        return Ok(ip);
    }
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .map(|a| a.ip())
        .ok_or_else(|| format!("--host: cannot resolve {host:?} to an address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_for(req: BindRequest<'_>, mode: Mode) -> Result<BindPlan, String> {
        plan(&req, mode)
    }

    #[test]
    fn loopback_by_default_and_all_interfaces_under_cloud_run() {
        let p = plan_for(BindRequest::default(), Mode::Gcp).unwrap();
        assert_eq!(p.addr, "127.0.0.1:8080".parse().unwrap());
        assert!(p.warning.is_none());
        let cloud_run = BindRequest {
            env_port: Some("9000"),
            has_key: true,
            ..Default::default()
        };
        assert_eq!(
            plan_for(cloud_run, Mode::Gcp).unwrap().addr,
            "0.0.0.0:9000".parse().unwrap()
        );
        let host_wins = BindRequest {
            host: Some("127.0.0.1"),
            env_port: Some("9000"),
            ..Default::default()
        };
        assert_eq!(
            plan_for(host_wins, Mode::Gcp).unwrap().addr,
            "127.0.0.1:9000".parse().unwrap()
        );
        let flag_wins = BindRequest {
            port: Some(7000),
            env_port: Some("9000"),
            host: Some("::1"),
            ..Default::default()
        };
        assert_eq!(
            plan_for(flag_wins, Mode::Gcp).unwrap().addr,
            "[::1]:7000".parse().unwrap()
        );
    }

    #[test]
    fn open_to_the_network_without_a_key() {
        let open = || BindRequest {
            host: Some("0.0.0.0"),
            ..Default::default()
        };
        let sim = plan_for(open(), Mode::Simulate).unwrap();
        assert!(sim.warning.unwrap().contains("MUSIC_GEN_API_KEY"));
        let refused = plan_for(open(), Mode::Gcp).unwrap_err();
        assert!(refused.contains("--allow-unauthenticated"), "{refused}");
        let allowed = BindRequest {
            allow_unauthenticated: true,
            ..open()
        };
        assert!(plan_for(allowed, Mode::Gcp).unwrap().warning.is_some());
        let keyed = BindRequest {
            has_key: true,
            ..open()
        };
        assert!(plan_for(keyed, Mode::Gcp).unwrap().warning.is_none());
    }

    #[test]
    fn a_bad_port_names_the_variable() {
        let bad = BindRequest {
            env_port: Some("http"),
            ..Default::default()
        };
        assert!(
            plan_for(bad, Mode::Simulate)
                .unwrap_err()
                .starts_with("PORT:")
        );
    }
}
