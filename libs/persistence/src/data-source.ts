/** The DataSource the TypeORM CLI uses (migration:run, migration:generate). */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { DEFAULT_DATABASE_URL, dataSourceOptions } from './database';

export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL));
