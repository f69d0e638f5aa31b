import { Injectable } from '@nestjs/common';

/** Set once SIGTERM arrived: readiness answers 503 from then on. */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;

  begin(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
