#!/usr/bin/env bash
# A first batch of realistic calls for the demo city, taken in through the
# gateway with the hotline CLI (HOTLINE_GATEWAY and HOTLINE_TOKEN must be set).
# Usage: demo_calls.sh PATH_TO_HOTLINE_CLI
set -euo pipefail
CLI=$1
# The agent desktop reports each call's handling time (talk + hold +
# after-call work, seconds) for the agents' average handling time.
# type | district | street | category | phone | name | handling seconds | content
while IFS='|' read -r type district street category phone name handling content; do
  [ -z "$type" ] && continue
  args=(create --type "$type" --district "$district" --category "$category" --phone "$phone" \
        --name "$name" --content "$content" --channel phone --handling-time "$handling")
  [ -n "$street" ] && args+=(--street "$street")
  "$CLI" "${args[@]}"
done <<'CALLS'
complaint|440106|440106001|010101|13800138001|张先生|412|五山路地铁站旁工地凌晨一点还在打桩，噪声很大，严重影响休息。
complaint|440104||0101|13912345602|李女士|305|北京路步行街附近商铺高音喇叭揽客，持续一整天。
consultation|440105||0601|13711112203|王先生|268|想咨询一下灵活就业人员如何在广州缴纳社保。
help|440111||0401|02086661234|陈阿姨|356|小区停水两天了，没有任何通知，老人生活很不方便。
report|440113||0801|13622223304|匿名|297|市场里有商贩销售过期熟食，希望尽快查处。
suggestion|440112||0901|13533334405|刘先生|241|建议增加黄埔区到天河区的早高峰公交班次。
complaint|440103||1501|13444445506|赵女士|388|物业擅自提高停车费，业主没有同意。
complaint|440114||1401|13355556607|周先生|463|公司拖欠三个月工资不发，多次讨要无果。
help|440115||0301|13266667708|吴女士|276|南沙大道一处井盖缺失，夜间行人容易掉下去。
praise|440106||0601|13177778809|郑先生|198|天河区社保窗口工作人员耐心细致，特此表扬。
CALLS
# Urgent (突发) matters: two hours, wall clock; some land with slow units and
# show warnings, breaches and escalations within minutes of the demo's start.
while IFS='|' read -r district category phone handling content; do
  [ -z "$district" ] && continue
  "$CLI" create --urgent --type help --district "$district" --category "$category" --phone "$phone" \
    --content "$content" --channel phone --handling-time "$handling"
done <<'URGENT'
440106|0401|13800138011|352|天河路一段水管爆裂，路面积水严重，车辆无法通行。
440104|0301|13800138012|418|中山五路人行道大面积塌陷，已有行人受伤。
440105|0401|13800138013|389|江南西小区整栋楼停电，电梯内有人被困。
440111|0301|13800138014|301|白云大道北路灯全部不亮，路口有交通事故隐患。
440113|0401|13800138015|447|番禺市桥街燃气管道疑似泄漏，气味很重。
440112|0301|13800138016|276|黄埔东路一棵大树倒伏压住道路。
440103|0401|13800138017|334|荔湾路老城区民居外墙脱落，砸到路边车辆。
440114|0301|13800138018|365|花都新华街桥面出现裂缝，需要紧急封闭。
URGENT
