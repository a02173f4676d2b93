/** The cell's certificate authority: the CA itself, the certificates the admin issues, and Caddy's. */
export {
  caScope,
  crl,
  ensureCa,
  hasCa,
  inScope,
  refreshCrlIfDue,
  rootCertificate,
  syncIntermediate,
} from './authority';
export {
  countExpiring,
  EXPIRING_WITHIN,
  exportCertificate,
  issueCertificate,
  listCertificates,
  renewCertificate,
  revokeCertificate,
  statusOf,
} from './certificates';
export { signContent } from './signing';
export { proxyCertificatesDue, proxyCertificatesFor, type ProxyCertificate } from './proxy-certs';
export { keepServiceCertificates, serviceCertificate } from './service-certs';
