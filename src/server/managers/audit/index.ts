/** The tamper-evident audit trail: every change the API accepted or refused, hash-chained. */
export { appendAudit, type AuditRecord } from './append';
export { auditCounts, auditCsv, listAudit } from './read';
export { closeInterrupted } from './recover';
export { verifyAudit, type AuditVerifyResult } from './verify';
