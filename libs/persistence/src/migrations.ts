// Listed explicitly (not globbed) so the same list works from TypeScript and compiled output.
export { MIGRATIONS } from '@risk/migrations';
