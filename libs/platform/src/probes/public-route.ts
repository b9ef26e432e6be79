import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'risk:public';

/** No API key needed: probes, metrics and the dashboard shell. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
