/**
 * The gateway's error registry: every error it reports, with a stable code (GW_ERR_<AREA>_<WHAT>)
 * and what it means in English (`meaning`) and Chinese (ZH below). The HTTP API's codes, with
 * their statuses, are the `http` area (http-errors.ts). Codes never change meaning and are never
 * reused; test/gateway/error-registry.test.ts checks each is registered once and has both texts.
 */
import { HTTP_ERRORS } from './http-errors.js';

/** The configuration file or environment (the start stops, naming the value). */
export const CONFIG_ERRORS = {
  GW_ERR_CONFIG_INVALID: { meaning: 'a configuration value is wrong or missing' },
  GW_ERR_CONFIG_AQHI_PROFILE: { meaning: 'the provision file’s rules.aqhi names an unknown or broken index profile' },
  GW_ERR_CONFIG_ROUTING: { meaning: 'map.routing is not a usable routing service (url, profile or timeoutMs)' },
} as const;

/** The registry and the provision file, as the start and the registry routes report them. */
export const REGISTRY_ERRORS = {
  GW_ERR_REGISTRY_NOT_FOUND: { meaning: 'no registry entry with this id' },
  GW_ERR_REGISTRY_LOADING: { meaning: 'the provision file is still being loaded; registry writes wait for it' },
} as const;

/** A page that did not reach a person on one channel (the alert timeline keeps the short reason). */
export const DELIVERY_ERRORS = {
  GW_ERR_DELIVERY_BAD_ADDRESS: { meaning: 'the channel’s address (URL, phone number, topic) cannot be used' },
  GW_ERR_DELIVERY_UNREACHABLE: { meaning: 'the receiving server could not be reached' },
  GW_ERR_DELIVERY_NO_ANSWER: { meaning: 'the receiving server did not answer in time' },
  GW_ERR_DELIVERY_REFUSED: { meaning: 'the receiving server refused the message' },
  GW_ERR_DELIVERY_CUT_OFF: { meaning: 'the connection broke while the message was being sent' },
  GW_ERR_DELIVERY_SMS_NOT_CONFIGURED: { meaning: 'no SMS gateway is configured' },
  GW_ERR_DELIVERY_MQTT_FAILED: { meaning: 'the message could not be published on the person’s MQTT topic' },
  GW_ERR_DELIVERY_UNKNOWN: { meaning: 'delivery failed for a reason the gateway did not recognise' },
} as const;

/** A Node-RED flow asked the gateway for something it refused. */
export const NODE_RED_ERRORS = {
  GW_ERR_NODERED_ACTION_REFUSED: { meaning: 'a flow asked to raise an alert or send a page with a wrong subject, grid, person or detail' },
} as const;

/** Every area of the registry, each code in exactly one. */
export const ERROR_AREAS = {
  http: HTTP_ERRORS,
  config: CONFIG_ERRORS,
  registry: REGISTRY_ERRORS,
  delivery: DELIVERY_ERRORS,
  nodeRed: NODE_RED_ERRORS,
} as const;

export type GatewayErrorCode =
  | keyof typeof HTTP_ERRORS
  | keyof typeof CONFIG_ERRORS
  | keyof typeof REGISTRY_ERRORS
  | keyof typeof DELIVERY_ERRORS
  | keyof typeof NODE_RED_ERRORS;

/** What each code means, in Chinese, for the people who read it (the English is `meaning`). */
export const ZH: Readonly<Record<GatewayErrorCode, string>> = {
  GW_ERR_AUTH_MISSING_TOKEN: '缺少访问令牌',
  GW_ERR_AUTH_BAD_TOKEN: '访问令牌无效或已被撤销',
  GW_ERR_AUTH_FORBIDDEN: '该令牌的角色无权执行此操作',
  GW_ERR_AUTH_BAD_TICKET: '事件流凭证无效、已使用或已过期',
  GW_ERR_AUTH_BACKOFF: '此地址错误令牌过多，请按 Retry-After 的秒数等待后再试',
  GW_ERR_AUTH_SESSION_ENDED: '设备会话已退出、闲置过久、已超期，或其令牌已被撤销',
  GW_ERR_AUTH_CSRF: '已登录浏览器的修改请求缺少会话的 CSRF 令牌，或来自其他来源',
  GW_ERR_HTTP_BAD_REQUEST: '请求内容、查询参数或路径不符合格式要求',
  GW_ERR_HTTP_NOT_FOUND: '没有这个路径或资源',
  GW_ERR_HTTP_TOO_LARGE: '请求内容超过大小上限',
  GW_ERR_HTTP_UNSUPPORTED_MEDIA: '请求内容不是 JSON',
  GW_ERR_REGISTRY_INVALID: '登记条目未通过校验',
  GW_ERR_REGISTRY_MISSING_REFERENCE: '条目引用了不存在的编号',
  GW_ERR_REGISTRY_IN_USE: '该条目仍被其他条目引用',
  GW_ERR_AQHI_FORECAST_INVALID: '官方预报不成立：有效期已过、某小时无法得出指数，或没有任何预报',
  GW_ERR_EMERGENCY_INVALID: '急救报告或答复格式有误（消息中写明了字段）',
  GW_ERR_EMERGENCY_NOT_FOUND: '没有这个急救事件',
  GW_ERR_EMERGENCY_NOT_ASKED: '该志愿者未被邀请参与此急救事件',
  GW_ERR_EMERGENCY_NOT_APPLICABLE: '该答复与志愿者的任务不符（例如无需取 AED 的任务却报告已取 AED）',
  GW_ERR_EMERGENCY_CLOSED: '该急救事件已结束',
  GW_ERR_ALERT_TOO_MANY_NOTES: '该告警的备注已达 alerts.maxNotesPerAlert 允许的上限',
  GW_ERR_DRILL_INVALID: '演练的网格、居民或地点不符',
  GW_ERR_RESIDENT_EMERGENCY_OPEN: '该居民仍有未结束的紧急情况（跌倒、呼救、危急体征）：请先处理完毕再办理退出',
  GW_ERR_SHARING_NOT_SHARED: '该居民未向您共享这些信息',
  GW_ERR_HTTP_INTERNAL: '网关内部故障，详情见网关日志',
  GW_ERR_HTTP_NOT_READY: '网关正在启动或停止',
  GW_ERR_STORE_UNAVAILABLE: '网关共用的数据库暂时无应答，请按 Retry-After 的秒数等待后再试',
  GW_ERR_CONFIG_INVALID: '配置项有误或缺失',
  GW_ERR_CONFIG_AQHI_PROFILE: '部署文件 rules.aqhi 指定的指数方案不存在或有误',
  GW_ERR_CONFIG_ROUTING: 'map.routing 不是可用的路线服务（url、profile 或 timeoutMs 有误）',
  GW_ERR_REGISTRY_NOT_FOUND: '没有这个编号的登记条目',
  GW_ERR_REGISTRY_LOADING: '部署文件仍在加载，登记修改需等待加载完成',
  GW_ERR_DELIVERY_BAD_ADDRESS: '该渠道的地址（网址、电话号码、主题）无法使用',
  GW_ERR_DELIVERY_UNREACHABLE: '无法连接接收服务器',
  GW_ERR_DELIVERY_NO_ANSWER: '接收服务器未及时应答',
  GW_ERR_DELIVERY_REFUSED: '接收服务器拒收了消息',
  GW_ERR_DELIVERY_CUT_OFF: '发送过程中连接中断',
  GW_ERR_DELIVERY_SMS_NOT_CONFIGURED: '未配置短信网关',
  GW_ERR_DELIVERY_MQTT_FAILED: '无法在此人的 MQTT 主题上发布消息',
  GW_ERR_DELIVERY_UNKNOWN: '投递失败，原因网关无法识别',
  GW_ERR_NODERED_ACTION_REFUSED: '流程请求发告警或发呼叫时，对象、网格、人员或详情有误',
};

/** The English and Chinese text of a registered code. */
export function errorText(code: GatewayErrorCode): { en: string; zh: string } {
  for (const area of Object.values(ERROR_AREAS)) {
    if (Object.hasOwn(area, code)) return { en: (area as Record<string, { meaning: string }>)[code]!.meaning, zh: ZH[code] };
  }
  throw new Error(`unregistered error code ${code}`);
}
