export { ServiceHttp, type ReadinessCheck, type ServiceHttpOptions } from './http.js';
