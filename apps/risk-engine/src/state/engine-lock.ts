import { Injectable } from '@nestjs/common';
import { AsyncMutex } from '@risk/platform';

/**
 * The engine lock: every read-decide-commit of portfolio state runs inside it. The language
 * model never runs inside it (its judgements are taken between two critical sections).
 */
@Injectable()
export class EngineLock extends AsyncMutex {}

/** Flushes one at a time, so their tick offsets commit in order. */
@Injectable()
export class FlushLock extends AsyncMutex {}
