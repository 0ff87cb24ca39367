import { listAccounts } from '../adapters/accounts-repo.ts';
import { listDirectoryUsers } from '../adapters/directory.ts';
import { type Account, accountFromDirectory } from '../core/accounts.ts';

/**
 * Every staff account by username: those Dangan keeps, and the people the identity provider
 * knows but Dangan keeps no account for yet (as the provider has them). A kept account without
 * a display name takes the provider's (Cognito's `name` attribute), which is where names live.
 */
export async function allAccounts(): Promise<Account[]> {
  const [stored, directory] = await Promise.all([listAccounts(), listDirectoryUsers()]);
  const bySub = new Map(stored.map((a) => [a.sub, a]));
  for (const u of directory) {
    const kept = bySub.get(u.sub);
    if (!kept) bySub.set(u.sub, accountFromDirectory(u));
    else if (!kept.displayName && u.displayName) bySub.set(u.sub, { ...kept, displayName: u.displayName });
  }
  return [...bySub.values()].sort((a, b) => a.username.localeCompare(b.username));
}
