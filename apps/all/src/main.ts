import { exitOnConsumerFailure, loadConfig } from '@risk/platform';
import { startService } from './start-service';

void startService(loadConfig()).then(exitOnConsumerFailure);
