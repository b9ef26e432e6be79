import 'reflect-metadata';
import { loadConfig } from '@risk/platform';
import { startRiskEngine } from './start-risk-engine';

void startRiskEngine(loadConfig());
