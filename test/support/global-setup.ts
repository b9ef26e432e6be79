/** Integration tier: real Kafka and PostgreSQL. Filled in as the pipeline lands. */
export default async function globalSetup(): Promise<void> {}
