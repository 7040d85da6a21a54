#include "simulator/scenarios.h"

#include <iterator>

#include "absl/strings/str_cat.h"

namespace hotline::simulator {
namespace {

using v1::ORDER_TYPE_COMPLAINT;
using v1::ORDER_TYPE_CONSULTATION;
using v1::ORDER_TYPE_HELP;
using v1::ORDER_TYPE_PRAISE;
using v1::ORDER_TYPE_REPORT;
using v1::ORDER_TYPE_SUGGESTION;

// Roughly a real hotline's mix: about a third of the calls are questions the
// agent answers at once, most of the rest complaints and requests for help.
constexpr Scenario kScenarios[] = {
    {ORDER_TYPE_CONSULTATION, "0503",
     "咨询新生儿出生登记和入户需要准备哪些材料，能不能在网上预约办理。", "KB.05.03.001"},
    {ORDER_TYPE_CONSULTATION, "0605",
     "咨询灵活就业人员怎样在广州缴纳社保，每月最低缴费基数是多少。", "KB.06.01.003"},
    {ORDER_TYPE_CONSULTATION, "0702", "咨询租房提取住房公积金需要哪些手续，一年可以提取几次。",
     "KB.07.02.001"},
    {ORDER_TYPE_CONSULTATION, "1001",
     "孩子明年上小学，非广州户籍怎么申请积分入学，什么时候开始报名。", "KB.10.01.003"},
    {ORDER_TYPE_CONSULTATION, "0505", "咨询办理居住证需要带什么证件，在哪里办理，多久可以拿到。",
     "KB.05.05.001"},
    {ORDER_TYPE_CONSULTATION, "110302", "咨询在外地住院的费用怎样办理医保报销，需要提前备案吗。",
     "KB.11.03.003"},
    {ORDER_TYPE_COMPLAINT, "010101",
     "小区旁边的工地每天晚上十一点以后还在打桩施工，噪声很大，老人孩子都睡不着，已经持续一个多月。",
     ""},
    {ORDER_TYPE_COMPLAINT, "010202",
     "楼上住户周末早上七点就开始装修电钻，多次沟通无果，严重影响休息。", ""},
    {ORDER_TYPE_COMPLAINT, "010203",
     "街边几家商铺用高音喇叭循环播放促销广告，从早到晚一直响，周边居民不堪其扰。", ""},
    {ORDER_TYPE_COMPLAINT, "1204",
     "楼下餐馆的油烟直接排向住宅楼，家里窗户都不敢开，要求安装净化设施。", ""},
    {ORDER_TYPE_COMPLAINT, "1301", "地铁站出口有流动摊贩长期占道经营，行人只能走机动车道，很危险。",
     ""},
    {ORDER_TYPE_COMPLAINT, "1401",
     "公司已经拖欠三个月工资，多次讨要都说没钱，二十多名员工都没拿到工资。", ""},
    {ORDER_TYPE_COMPLAINT, "1504",
     "物业没有经过业主大会就提高物业管理费，也不公示收费依据，投诉物业乱收费。", ""},
    {ORDER_TYPE_COMPLAINT, "1502",
     "小区电梯一个月内坏了四次，有老人被困在里面，物业一直没有彻底维修。", ""},
    {ORDER_TYPE_COMPLAINT, "0901", "公交车经常不按时刻表发车，早高峰要等四十分钟，车到站也不停。",
     ""},
    {ORDER_TYPE_REPORT, "080101", "举报一家快餐店后厨卫生很差，食材直接放在地上，还有老鼠出没。",
     ""},
    {ORDER_TYPE_REPORT, "1302", "举报小区一楼住户私自在花园里搭建砖房，占用公共绿地。", ""},
    {ORDER_TYPE_REPORT, "1601", "商场后门的消防通道被杂物和电动车堵死，存在严重的火灾隐患。", ""},
    {ORDER_TYPE_HELP, "0401", "小区已经停水两天，没有任何通知，家里有老人和小孩，生活很不方便。",
     ""},
    {ORDER_TYPE_HELP, "0303", "路口一个井盖缺失，只用一个纸箱盖着，晚上骑车的人很容易摔进去。", ""},
    {ORDER_TYPE_HELP, "0302", "这条路的路灯坏了两个多星期，晚上漆黑一片，行人出行很不安全。", ""},
    {ORDER_TYPE_HELP, "0404", "昨晚大雨后小区门口积水到膝盖，车辆和行人都无法通行，请尽快排水。",
     ""},
    {ORDER_TYPE_SUGGESTION, "0901", "建议在早晚高峰增加到地铁站的接驳公交班次，方便上班族出行。",
     ""},
    {ORDER_TYPE_PRAISE, "1101", "社区医院的家庭医生多次上门为我母亲随访，非常耐心细致，特此表扬。",
     ""},
    {ORDER_TYPE_COMPLAINT, "010101",
     "夜间施工的渣土车一直开到凌晨，噪声和扬尘都很大，希望限制施工时间。", ""},
    {ORDER_TYPE_CONSULTATION, "0604", "咨询社保卡丢失以后怎么挂失和补办，补办期间能不能看病。",
     "KB.06.04.002"},
};

constexpr const char* kReplies[] = {
    "已安排工作人员到现场核查，情况属实，已责令相关单位立即整改，并将持续跟踪。",
    "经现场调查，已约谈责任方并下达整改通知书，目前问题已解决，已电话告知市民。",
    "已联系相关企业处理，维修工作已完成，经复查恢复正常。",
    "已立案调查，依法作出处理，处理结果已向市民反馈。",
    "经核实，已协调物业和社区共同处理，市民对处理方案表示认可。",
};

constexpr const char* kCallerNames[] = {"陈先生", "李女士", "王先生", "张女士", "刘先生",
                                        "黄女士", "林先生", "何阿姨", "梁先生", "郭女士"};

// Places inside a street or town, made into an address there.
constexpr const char* kPlaces[] = {"建设路",   "幸福路",   "文化街",   "人民路",
                                   "新村",     "花园小区", "农贸市场", "社区公园"};
constexpr const char* kLandmarks[] = {"附近", "门口", "东门", "对面公交站", "南门", "旁"};

}  // namespace

const Scenario& PickScenario(uint64_t n) { return kScenarios[n % std::size(kScenarios)]; }
const char* PickReply(uint64_t n) { return kReplies[n % std::size(kReplies)]; }
const char* PickCallerName(uint64_t n) { return kCallerNames[n % std::size(kCallerNames)]; }
std::string PickAddress(const std::string& district_name, const std::string& street_name,
                        uint64_t n) {
  // One call in four is about one of the street's two trouble spots (a
  // building site, a market): the same address again and again, which the
  // centre's list of hot addresses is for.
  if ((n >> 24) % 4 == 0) {
    return absl::StrCat(district_name, street_name, kPlaces[(n >> 8) % 2 == 0 ? 0 : 6], 8, "号");
  }
  return absl::StrCat(district_name, street_name, kPlaces[n % std::size(kPlaces)],
                      1 + (n >> 8) % 199, "号", kLandmarks[(n >> 16) % std::size(kLandmarks)]);
}

absl::Duration PickHandlingTime(bool answered_on_spot, uint64_t n) {
  const int64_t low = answered_on_spot ? 120 : 240, high = answered_on_spot ? 300 : 540;
  return absl::Seconds(low + static_cast<int64_t>(n % static_cast<uint64_t>(high - low + 1)));
}

}  // namespace hotline::simulator
