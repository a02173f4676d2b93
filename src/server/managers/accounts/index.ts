/** Accounts: admins and peers' logins, their passwords and sessions, and the login limits. */
export {
  changePassword,
  countAccounts,
  createAccount,
  findAccount,
  endSessions,
  getAccount,
  NEXT_EPOCH,
  removePeerAccount,
  resetAdminPassword,
  sessionEpoch,
  sessionUser,
  setPasswordHash,
  verifyLogin,
  type Role,
  type SessionUser,
} from './accounts';
export { assertStrongPassword, hashPassword, randomPassword } from './password';
export {
  accountKey,
  claimLimits,
  forgiveAttempt,
  LOGIN_LIMITS,
  LOGIN_WINDOW_MS,
  loginLimits,
  reserveAttempt,
  retryAfter,
} from './rate-limit';
