import 'reflect-metadata';
import { exitOnConsumerFailure, loadConfig } from '@risk/platform';
import { startRiskEngine } from './start-risk-engine';

void startRiskEngine(loadConfig(), { listen: true }).then(exitOnConsumerFailure);
