/** Every route of the API is under this prefix (FastAPI's app/paths.py has the same). */
export const API_PREFIX = '/api/v1';
