/** Settings → Domain: the mode and what it needs, the proxy's ACME contact and log level, and dynamic DNS. */
export { checkName, getDomain, MODE_NEEDS, requestCertificate, updateDomain } from './domain';
