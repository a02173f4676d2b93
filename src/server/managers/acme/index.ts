/** The certificate of a DNS-01 mode: the cell gets it over ACME itself and Caddy loads it. */
export {
  certificateStatus,
  dns01Certificate,
  ensureDomainCertificate,
  renewsAt,
  settleCertificate,
  type CertificateStatus,
} from './certificate';
export { wildcardNames, type DomainCertificate } from './files';
