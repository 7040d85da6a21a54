#include "enums/chinese_names.h"

#include "enums/enum_names.h"

namespace hotline::enums {

std::string ChineseName(v1::OrderType type) {
  switch (type) {
    case v1::ORDER_TYPE_CONSULTATION: return "咨询";
    case v1::ORDER_TYPE_COMPLAINT: return "投诉";
    case v1::ORDER_TYPE_REPORT: return "举报";
    case v1::ORDER_TYPE_HELP: return "求助";
    case v1::ORDER_TYPE_SUGGESTION: return "建议";
    case v1::ORDER_TYPE_PRAISE: return "表扬";
    default: return ShortName(type);
  }
}

std::string ChineseName(v1::OrderState state) {
  switch (state) {
    case v1::ORDER_STATE_CREATED: return "已受理";
    case v1::ORDER_STATE_DISPATCHED: return "已派单";
    case v1::ORDER_STATE_SIGNED: return "已签收";
    case v1::ORDER_STATE_RETURN_REQUESTED: return "退回待审";
    case v1::ORDER_STATE_HAND_DOWN_REQUESTED: return "下派待审";
    case v1::ORDER_STATE_REPLIED: return "已办结待审";
    case v1::ORDER_STATE_CALLBACK_PENDING: return "待回访";
    case v1::ORDER_STATE_CLOSED: return "已办结";
    case v1::ORDER_STATE_ARCHIVED: return "已归档";
    case v1::ORDER_STATE_MERGED: return "重复件";
    case v1::ORDER_STATE_SENT_BACK: return "退回重办";
    default: return ShortName(state);
  }
}

std::string ChineseName(v1::Channel channel) {
  switch (channel) {
    case v1::CHANNEL_PHONE: return "电话";
    case v1::CHANNEL_WEB: return "网站";
    case v1::CHANNEL_APP: return "手机APP";
    case v1::CHANNEL_WECHAT: return "微信";
    case v1::CHANNEL_SMS: return "短信";
    case v1::CHANNEL_API: return "接口";
    default: return ShortName(channel);
  }
}

}  // namespace hotline::enums
