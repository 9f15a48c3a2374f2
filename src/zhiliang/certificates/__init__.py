"""certificates — 认证证书: certification types, certificates, their lifecycle and public verification."""
