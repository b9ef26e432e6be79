import { SetMetadata } from '@nestjs/common';
import type { ApiRole } from './api-keys';

export const REQUIRED_ROLE = 'risk:role';
export const QUERY_TOKEN = 'risk:query-token';

// Public routes are declared by the platform's probes too, so the marker lives there.
export { PUBLIC_ROUTE, Public } from '@risk/platform';

/** The role a route needs; routes without it need `viewer`. */
export const RequireRole = (role: ApiRole) => SetMetadata(REQUIRED_ROLE, role);

/** Also accept the key as `?access_token=` (EventSource cannot send headers). */
export const AllowQueryToken = () => SetMetadata(QUERY_TOKEN, true);
