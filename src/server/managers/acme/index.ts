/** The certificate of a DNS-01 mode: the cell gets it over ACME itself and Caddy loads it. */
export {
  certificateStatus,
  DNS01_MODES,
  domainCertificate,
  ensureDomainCertificate,
  renewsAt,
  settleCertificate,
  type CertificateStatus,
} from './certificate';
export { wildcardNames, type DomainCertificate } from './files';
