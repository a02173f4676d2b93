import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { endSessions, resetAdminPassword, sessionEpoch, sessionUser, verifyLogin } from '@/server/managers/accounts';
import { admin, expectCode, freshCell, setUp } from '../../helpers/db';

let db: Db;
beforeEach(async () => {
  db = freshCell().db;
  await setUp(db);
});

const change = (current: string, next: string, confirm = next) =>
  admin(db).account.changePassword({ currentPassword: current, newPassword: next, confirmPassword: confirm });

describe('accounts', () => {
  it('verifies the right password and refuses a wrong one or an unknown user alike', async () => {
    expect(await verifyLogin(db, 'admin', 'correct horse battery')).toEqual({
      id: 1,
      username: 'admin',
      role: 'admin',
    });
    expect(await verifyLogin(db, 'ADMIN', 'correct horse battery')).toMatchObject({ username: 'admin' });
    expect(await verifyLogin(db, 'admin', 'wrong password!')).toBeNull();
    expect(await verifyLogin(db, 'nobody', 'correct horse battery')).toBeNull();
  });

  it('returns the signed-in account from account.me', async () => {
    expect(await admin(db).account.me()).toMatchObject({ id: 1, username: 'admin', role: 'admin' });
  });

  it('changes the password only with the current one', async () => {
    const err = await expectCode(change('not the password', 'a brand new password'), 'BAD_REQUEST');
    expect(err.message).toBe('Current password is wrong');
    await change('correct horse battery', 'a brand new password');
    expect(await verifyLogin(db, 'admin', 'a brand new password')).not.toBeNull();
    expect(await verifyLogin(db, 'admin', 'correct horse battery')).toBeNull();
  });

  it('refuses a new password that is easy to guess, and keeps the old one', async () => {
    const err = await expectCode(change('correct horse battery', 'admin1234567'), 'BAD_REQUEST');
    expect(err.message).toMatch(/^Too easy to guess/);
    expect((err.cause as { field?: string }).field).toBe('newPassword');
    expect(await verifyLogin(db, 'admin', 'correct horse battery')).not.toBeNull();
  });

  it('refuses a short or unconfirmed new password by field', async () => {
    expect((await expectCode(change('correct horse battery', 'short'), 'BAD_REQUEST')).message).toContain(
      'newPassword: At least 12 characters',
    );
    expect(
      (await expectCode(change('correct horse battery', 'long enough one', 'different one!'), 'BAD_REQUEST')).message,
    ).toContain('confirmPassword: Passwords do not match');
  });

  it('voids sessions issued before a password change', async () => {
    const issued = sessionEpoch(db, 1);
    expect(sessionUser(db, 1, issued)).not.toBeNull();
    await change('correct horse battery', 'a brand new password');
    expect(sessionUser(db, 1, issued)).toBeNull();
    expect(sessionUser(db, 1, sessionEpoch(db, 1))).not.toBeNull();
  });

  it('voids every session on sign-out and on a reset, whenever they were issued', async () => {
    const before = sessionEpoch(db, 1);
    endSessions(db, 1);
    expect(sessionUser(db, 1, before)).toBeNull();
    const afterSignOut = sessionEpoch(db, 1);
    await resetAdminPassword(db);
    expect(sessionUser(db, 1, afterSignOut)).toBeNull();
  });

  it('resets the admin password to a new random one', async () => {
    const { username, password } = await resetAdminPassword(db);
    expect(username).toBe('admin');
    expect(password).toMatch(/^[A-Za-z2-9]{20}$/);
    expect(await verifyLogin(db, 'admin', password)).not.toBeNull();
    expect(await verifyLogin(db, 'admin', 'correct horse battery')).toBeNull();
  });
});
