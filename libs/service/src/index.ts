export { ServiceHttp, type MetricsText, type ReadinessCheck, type ServiceHttpOptions } from './http.js';
