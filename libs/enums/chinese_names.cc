#include "enums/chinese_names.h"

#include <map>
#include <optional>

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

std::string ChineseName(v1::Action action) {
  switch (action) {
    case v1::ACTION_DISPATCH: return "派单";
    case v1::ACTION_SIGN: return "签收";
    case v1::ACTION_RETURN: return "申请退回";
    case v1::ACTION_APPROVE_RETURN: return "同意退回";
    case v1::ACTION_REJECT_RETURN: return "驳回退回";
    case v1::ACTION_REQUEST_HAND_DOWN: return "申请下派";
    case v1::ACTION_APPROVE_HAND_DOWN: return "同意下派";
    case v1::ACTION_REJECT_HAND_DOWN: return "驳回下派";
    case v1::ACTION_HAND_UP: return "退回上级";
    case v1::ACTION_REPLY: return "办结回复";
    case v1::ACTION_APPROVE_REPLY: return "审核通过";
    case v1::ACTION_SEND_BACK: return "审核退回";
    case v1::ACTION_CALLBACK: return "回访";
    case v1::ACTION_REDO: return "重办";
    case v1::ACTION_CLOSE: return "结案";
    case v1::ACTION_ARCHIVE: return "归档";
    case v1::ACTION_LINK_DUPLICATE: return "并入重复件";
    case v1::ACTION_URGE: return "催办";
    case v1::ACTION_SUPERVISE: return "督办";
    default: return ShortName(action);
  }
}

std::string HistoryActionName(absl::string_view action) {
  // Steps written by others than dispatch's Act (intake, sla, the merge).
  static const auto* const kOthers = new std::map<std::string, std::string, std::less<>>{
      {"create", "受理立单"},
      {"answer_on_spot", "直接答复"},
      {"sla_deadline", "计算时限"},
      {"sla_warning", "预警"},
      {"sla_breach", "超时"},
      {"sla_urge", "系统催办"},
      {"sla_supervise", "系统督办"},
      {"sla_notice", "通报"},
      {"request_extension", "申请延期"},
      {"approve_extension", "同意延期"},
      {"refuse_extension", "驳回延期"},
      {"merge_unit", "单位合并转移"},
      {"close_with_master", "随主件办结"},
      {"relink_duplicate", "改挂主件"},
  };
  if (auto it = kOthers->find(action); it != kOthers->end()) return it->second;
  if (std::optional<v1::Action> a = ParseShortName<v1::Action>(action)) return ChineseName(*a);
  return std::string(action);
}

std::string SlaStatusName(absl::string_view status) {
  if (status == "on_time") return "正常";
  if (status == "warned") return "已预警";
  if (status == "breached") return "已超时";
  if (status == "escalated") return "已督办";
  if (status == "stopped") return "计时暂停";
  if (status == "done") return "已办结";
  if (status == "none") return "无时限";
  return std::string(status);
}

std::string SlaLevelName(absl::string_view level) {
  if (level == "urge") return "催办";
  if (level == "supervise") return "督办";
  if (level == "notice") return "通报";
  return "无";
}

}  // namespace hotline::enums
