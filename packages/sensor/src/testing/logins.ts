/**
 * Shared by the login services' tests: a honeycred hash slow enough that a session waits on its
 * check, and the [username, password] pairs a harness captured.
 */
import type { CapturedRecord } from './harness.ts';

/** sha512_crypt with 20,000 rounds (python3 crypt.crypt): tens of milliseconds per check. */
export const SLOW_SHA512_CRYPT =
  '$6$rounds=20000$kyokaslowsalt$0JKr3rp1Z/DX4HqYv4DJ8/1Gku2NMILJKYo5Pz7eAoxwLwtHO1PFZo5egkyW84gK50HkwvP8NgwUi7JXFhSro0';

/** The [USERNAME, PASSWORD] of each captured record, in order. */
export function logins(records: CapturedRecord[]): Array<[unknown, unknown]> {
  return records.map((r) => [r.logdata.USERNAME, r.logdata.PASSWORD]);
}
