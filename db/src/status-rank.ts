/** Mirrors the SQL function wa_status_rank(): sent < delivered < read < played; failed is terminal. */
export function statusRank(status: string): number {
  switch (status) {
    case 'sent':
      return 1;
    case 'delivered':
      return 2;
    case 'read':
      return 3;
    case 'played':
      return 4;
    case 'failed':
      return 9;
    default:
      return 0;
  }
}
