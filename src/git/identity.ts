/** Who is at the keyboard, as git knows it. */
import { hostname, userInfo } from 'node:os';
import { gitTextOrUndefined } from './run.js';

export async function gitUserEmail(cwd: string): Promise<string | undefined> {
  return (await gitTextOrUndefined(cwd, ['config', 'user.email'])) || undefined;
}

export async function localIdentity(cwd: string): Promise<{ email: string; host: string; user: string }> {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  const host = hostname();
  return { email: (await gitUserEmail(cwd)) ?? `${user}@${host}`, host, user };
}
