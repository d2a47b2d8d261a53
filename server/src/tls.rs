//! TLS without a proxy: a certificate chain and its key in PEM files, served with rustls (ring,
//! the provider the client's reqwest already builds).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "cannot read the certificates in {path}: {detail}; give a PEM file with the server's certificate first, then its chain"
    )]
    Certificates { path: PathBuf, detail: String },
    #[error("{0} holds no certificate; give a PEM file with the server's certificate first")]
    NoCertificate(PathBuf),
    #[error("cannot read the private key in {path}: {detail}; give the PEM key of the certificate")]
    Key { path: PathBuf, detail: String },
    #[error("the certificate and key do not make a TLS setup: {0}")]
    Config(String),
}

/// The TLS setup of `serve --tls-cert CERT --tls-key KEY`: HTTP/1.1 over TLS 1.2 or 1.3.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Certificates {
            path: cert.to_path_buf(),
            detail: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_path_buf()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.to_path_buf(),
        detail: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
