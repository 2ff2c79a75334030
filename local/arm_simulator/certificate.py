"""The simulator's self-signed TLS certificate, which clients trust via connection_verify."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
VALID_DAYS = 365
RENEW_BEFORE = datetime.timedelta(days=7)


def certificate_path(data_dir: Path) -> Path:
    """Where the simulator writes the certificate clients must trust."""
    return data_dir / CERT_FILE


def key_path(data_dir: Path) -> Path:
    """Where the simulator writes its private key."""
    return data_dir / KEY_FILE


def ensure_certificate(data_dir: Path) -> tuple[Path, Path]:
    """Reuse a still-valid certificate (trust survives restarts) or generate a new one."""
    cert, key = certificate_path(data_dir), key_path(data_dir)
    if cert.exists() and key.exists() and _still_valid(cert):
        logger.info("reusing TLS certificate %s", cert)
        return cert, key
    generate_certificate(data_dir)
    return cert, key


def _still_valid(cert: Path) -> bool:
    from cryptography import x509

    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except ValueError:
        return False
    remaining = loaded.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    return remaining > RENEW_BEFORE


def generate_certificate(data_dir: Path) -> None:
    """Write a fresh self-signed certificate for 127.0.0.1 and localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    data_dir.mkdir(parents=True, exist_ok=True)
    private_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ARM simulator (local)")])
    now = datetime.datetime.now(datetime.UTC)
    public_key = private_key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(private_key, hashes.SHA256())
    )
    key_file = key_path(data_dir)
    temporary_key = key_file.with_suffix(".pem.tmp")
    fd = os.open(temporary_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    os.replace(temporary_key, key_file)
    cert_file = certificate_path(data_dir)
    temporary_cert = cert_file.with_suffix(".pem.tmp")
    temporary_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(temporary_cert, cert_file)
    logger.info("generated TLS certificate %s", cert_file)
