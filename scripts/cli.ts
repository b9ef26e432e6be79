/**
 * npm run cli -- keys create --role admin|viewer [--name NAME]   prints a new API key (once)
 * npm run cli -- keys revoke ID                                   revokes a key
 * npm run cli -- keys list                                        lists keys (never the keys)
 * Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/risk), migrating it if needed.
 */
import 'reflect-metadata';
import { DEFAULT_DATABASE_URL, openDatabase } from '@risk/persistence';
// The key store belongs to the api app; the CLI is its command-line face.
import { ApiKeyRepository } from '../apps/api/src/auth/api-key.repository';
import { API_ROLES, isApiRole } from '../apps/api/src/auth/api-keys';

const USAGE = `usage:
  npm run cli -- keys create --role ${API_ROLES.join('|')} [--name NAME]
  npm run cli -- keys revoke ID
  npm run cli -- keys list`;

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

export async function runCli(argv: string[], out: (line: string) => void): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group !== 'keys') throw new UsageError(USAGE);
  const ds = await openDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  try {
    const keys = new ApiKeyRepository(ds);
    switch (command) {
      case 'create': {
        const role = option(rest, 'role');
        if (!role || !isApiRole(role))
          throw new UsageError(`--role must be one of ${API_ROLES.join(', ')}\n${USAGE}`);
        const created = await keys.create(role, option(rest, 'name') ?? null);
        out(`id   ${created.id}`);
        out(`role ${role}`);
        out(`key  ${created.key}`);
        out('The key is shown only now; it is stored hashed.');
        return;
      }
      case 'revoke': {
        const id = rest[0];
        if (!id || !/^[0-9a-f-]{36}$/i.test(id))
          throw new UsageError(`revoke needs a key id\n${USAGE}`);
        if (!(await keys.revoke(id))) throw new UsageError(`no active key ${id}`);
        out(`revoked ${id}`);
        return;
      }
      case 'list': {
        for (const k of await keys.list())
          out(
            [
              k.id,
              k.role.padEnd(6),
              `${k.prefix}…`,
              k.createdAt,
              k.revokedAt ? `revoked ${k.revokedAt}` : 'active',
              k.name ?? '',
            ]
              .join('  ')
              .trimEnd(),
          );
        return;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), (l) => console.log(l)).catch((e: Error) => {
    console.error(e instanceof UsageError ? e.message : e);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
