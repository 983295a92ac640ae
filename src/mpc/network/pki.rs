//! The network's certificates. `zrsign mpc keygen` makes one CA and issues, under it, a certificate per node
//! (`node-<i>.zrsign`, server and client authentication) and one for the coordinator (client authentication);
//! the CA's private key is discarded after issuing, so no further identity can join the network. A peer is
//! identified by its exact certificate (pinned by DER), not merely by the CA's signature.

use super::{NetError, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use std::path::{Path, PathBuf};

/// Who is at the other end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    /// Node (keygen index).
    Node(u16),
    /// The coordinator (the responder).
    Coordinator,
}

impl Identity {
    /// The certificate's file stem and DNS name (`node-<i>` / `coordinator`).
    pub fn stem(self) -> String {
        match self {
            Self::Node(i) => format!("node-{i}"),
            Self::Coordinator => "coordinator".into(),
        }
    }

    /// The DNS name in its certificate, which clients check as the server name.
    pub fn dns_name(self) -> String {
        format!("{}.zrsign", self.stem())
    }
}

/// The CA certificate's file in a network directory.
pub fn ca_path(dir: &Path) -> PathBuf {
    dir.join("ca.crt")
}

/// `who`'s certificate file.
pub fn cert_path(dir: &Path, who: Identity) -> PathBuf {
    dir.join(format!("{}.crt", who.stem()))
}

/// `who`'s private key file (owner-only).
pub fn key_path(dir: &Path, who: Identity) -> PathBuf {
    dir.join(format!("{}.key", who.stem()))
}

fn tls(e: impl std::fmt::Display) -> NetError {
    NetError::Tls(e.to_string())
}

/// Issues the CA and the certificates of `parties` nodes and the coordinator into `dir` (none may exist).
pub fn issue(dir: &Path, parties: u16) -> Result<()> {
    let who: Vec<Identity> = (0..parties).map(Identity::Node).chain([Identity::Coordinator]).collect();
    let files: Vec<PathBuf> =
        std::iter::once(ca_path(dir)).chain(who.iter().flat_map(|&w| [cert_path(dir, w), key_path(dir, w)])).collect();
    if let Some(existing) = files.iter().find(|p| p.exists()) {
        return Err(NetError::Exists(existing.clone()));
    }
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca_params.distinguished_name.push(DnType::CommonName, "zrsign MPC network CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(tls)?).map_err(tls)?;
    write_new(&ca_path(dir), ca.pem().as_bytes(), false)?;
    for w in who {
        let mut params = CertificateParams::new(vec![w.dns_name()]).map_err(tls)?;
        params.distinguished_name.push(DnType::CommonName, w.dns_name());
        params.extended_key_usages = match w {
            Identity::Node(_) => vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth],
            Identity::Coordinator => vec![ExtendedKeyUsagePurpose::ClientAuth],
        };
        let key = KeyPair::generate().map_err(tls)?;
        let cert = params.signed_by(&key, &ca).map_err(tls)?;
        write_new(&key_path(dir, w), key.serialize_pem().as_bytes(), true)?;
        write_new(&cert_path(dir, w), cert.pem().as_bytes(), false)?;
    }
    Ok(())
}

/// Writes a new file (never an existing one), owner-only when `secret`, synced.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<()> {
    use std::io::Write;
    let io = |source| NetError::Io { context: "write", path: path.to_owned(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Reads a PEM certificate.
pub fn read_cert(path: &Path) -> Result<CertificateDer<'static>> {
    let bytes =
        std::fs::read(path).map_err(|source| NetError::Io { context: "read", path: path.to_owned(), source })?;
    CertificateDer::from_pem_slice(&bytes).map_err(|e| NetError::Tls(format!("{}: {e}", path.display())))
}

/// Reads a PEM private key.
pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let bytes =
        std::fs::read(path).map_err(|source| NetError::Io { context: "read", path: path.to_owned(), source })?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| NetError::Tls(format!("{}: {e}", path.display())))
}
