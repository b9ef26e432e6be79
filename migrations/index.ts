import { InitialSchema1796002284451 } from './1796002284451-InitialSchema';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1796002284451];
