"""Build a realistic Gongdan site with N tickets for benchmarking.

    python -m bench.generate --tickets 1000000 [--database-url URL] [--seed N] [--data-dir DIR]

The site (organisations, teams, agents, skills, locations, the category tree with its custom fields) is made
through the real services. The tickets and everything hanging off them (comments, events, tags, watchers,
time entries, number sequences) are the one exception to rule 1 in the code base: writing a million tickets
through `ticket_create` & co. would take hours, so this module writes those rows directly in batches
(PostgreSQL COPY, SQLite executemany inside large transactions), with secondary indexes and foreign keys
dropped during the load and rebuilt after it. The rows are the ones the services would have written:
the same event kinds and payloads, versions that count the changes, gap-free numbers per year with matching
TicketSequence rows, search_text/search_notes built with the services' own build_search_text, and
description_html/body_html equal to render_markdown's output (checked on a sample at start-up).
"""

from __future__ import annotations

import argparse
import bisect
import html
import itertools
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench import BENCH_ADMIN, BENCH_AGENT, BENCH_PASSWORD, setup_django

# --------------------------------------------------------------------------------------------------------
# Phrase banks. Every text is a (Chinese, English) pair; slots in braces are filled per ticket.
# Kept free of Markdown syntax (no list markers, #, *, _, `, <, >, [ or quotes) so the cheap HTML rendering
# below equals render_markdown's output.

TEAMS = [
    # key, Chinese, English, share of agents
    ("desk", "IT服务台", "IT service desk", 30),
    ("network", "网络组", "Network team", 16),
    ("desktop", "桌面支持", "Desktop support", 28),
    ("apps", "应用支持", "Application support", 18),
    ("infra", "系统运维", "Infrastructure operations", 14),
    ("facilities", "设施维修", "Facilities maintenance", 26),
    ("office", "行政后勤", "Office services", 14),
    ("care", "客户服务", "Customer care", 22),
    ("change", "变更管理", "Change management", 6),
    ("security", "信息安全", "Information security", 8),
    ("field_bj", "现场服务(北京)", "Field service Beijing", 10),
    ("field_sz", "现场服务(深圳)", "Field service Shenzhen", 10),
]

SKILLS = [
    ("网络", "Networking"), ("Windows", "Windows"), ("macOS", "macOS"), ("Linux", "Linux"),
    ("打印机", "Printers"), ("ERP", "ERP"), ("数据库", "Databases"), ("暖通空调", "HVAC"),
    ("电工", "Electrical"), ("水暖", "Plumbing"), ("门禁安防", "Access control"), ("客户沟通", "Customer communication"),
    ("信息安全", "Security"), ("存储", "Storage"), ("云平台", "Cloud platforms"),
]  # fmt: skip

# Category tree: (Chinese, English, team key, priority, type, children [(zh, en, subject key)])
CATEGORIES = [
    ("网络故障", "Network", "network", "P2", "incident", [
        ("无线网络", "Wi-Fi", "wifi"), ("VPN 远程接入", "VPN", "vpn"), ("有线网络", "Wired network", "wired")]),
    ("账号与权限", "Accounts and access", "desk", "P3", "service_request", [
        ("密码重置", "Password reset", "password"), ("权限申请", "Access request", "access"),
        ("邮箱", "Email", "mail")]),
    ("电脑与外设", "Computers and peripherals", "desktop", "P3", "incident", [
        ("笔记本电脑", "Laptops", "laptop"), ("打印机", "Printers", "printer"), ("显示器", "Monitors", "monitor")]),
    ("业务系统", "Business applications", "apps", "P2", "incident", [
        ("ERP 系统", "ERP", "erp"), ("OA 办公系统", "Office automation", "oa"), ("CRM 系统", "CRM", "crm")]),
    ("服务器与存储", "Servers and storage", "infra", "P1", "incident", [
        ("服务器", "Servers", "server"), ("存储与备份", "Storage and backup", "backup")]),
    ("设施维修", "Facilities", "facilities", "P3", "maintenance", [
        ("空调", "Air conditioning", "aircon"), ("照明", "Lighting", "light"), ("水电", "Plumbing and electrical", "plumbing"),
        ("门禁", "Door access", "door")]),
    ("行政服务", "Office services", "office", "P4", "service_request", [
        ("会议室", "Meeting rooms", "meeting"), ("办公用品", "Office supplies", "supplies")]),
    ("客户投诉", "Customer complaints", "care", "P2", "complaint", [
        ("服务质量", "Service quality", "service"), ("账单问题", "Billing", "billing")]),
    ("变更申请", "Change requests", "change", "P3", "change", [
        ("系统变更", "System change", "change"), ("网络变更", "Network change", "netchange")]),
    ("信息安全", "Information security", "security", "P1", "incident", [
        ("钓鱼邮件", "Phishing", "phishing"), ("病毒木马", "Malware", "malware")]),
]  # fmt: skip

# Custom fields per top-level category (English name): (key, zh, en, type, required, choices)
CUSTOM_FIELDS = {
    "Network": [
        ("affected_users", "受影响人数", "Affected users", "number", False, None),
        ("network_area", "网络区域", "Network area", "choice", False,
         [("office", "办公区", "Office"), ("meeting", "会议室", "Meeting room"), ("warehouse", "仓库", "Warehouse"),
          ("remote", "远程", "Remote")]),
    ],
    "Accounts and access": [
        ("systems", "涉及系统", "Systems", "multi_choice", False,
         [("erp", "ERP", "ERP"), ("oa", "OA", "OA"), ("crm", "CRM", "CRM"), ("mail", "邮箱", "Email"),
          ("vpn", "VPN", "VPN")]),
        ("on_behalf_of", "代谁申请", "On behalf of", "user", False, None),
    ],
    "Computers and peripherals": [
        ("asset_tag", "资产编号", "Asset tag", "text", True, None),
        ("brand", "品牌", "Brand", "choice", False,
         [("lenovo", "联想", "Lenovo"), ("dell", "戴尔", "Dell"), ("hp", "惠普", "HP"), ("apple", "苹果", "Apple"),
          ("huawei", "华为", "Huawei")]),
    ],
    "Facilities": [
        ("scope", "影响范围", "Scope", "choice", True,
         [("room", "单个房间", "One room"), ("floor", "整层", "Whole floor"), ("building", "整栋楼", "Whole building")]),
        ("preferred_date", "期望上门日期", "Preferred visit date", "date", False, None),
    ],
    "Customer complaints": [
        ("order_number", "订单号", "Order number", "text", True, None),
        ("amount", "涉及金额", "Amount involved", "number", False, None),
    ],
    "Change requests": [
        ("planned_date", "计划实施日期", "Planned date", "date", True, None),
        ("risk", "风险等级", "Risk level", "choice", True,
         [("low", "低", "Low"), ("medium", "中", "Medium"), ("high", "高", "High")]),
    ],
}  # fmt: skip

TAGS = {
    "wifi": ["wifi", "信号弱", "访客网络"], "vpn": ["vpn", "远程办公", "证书"], "wired": ["交换机", "网线"],
    "password": ["密码", "账号锁定"], "access": ["权限", "入职"], "mail": ["邮箱", "outlook"],
    "laptop": ["笔记本", "蓝屏", "电池"], "printer": ["打印机", "卡纸", "硒鼓"], "monitor": ["显示器", "扩展坞"],
    "erp": ["sap", "财务", "月结"], "oa": ["oa", "审批流"], "crm": ["crm", "销售"],
    "server": ["服务器", "告警", "磁盘"], "backup": ["备份", "nas"], "aircon": ["空调", "温度"],
    "light": ["照明", "灯管"], "plumbing": ["漏水", "跳闸"], "door": ["门禁", "工卡"],
    "meeting": ["会议室", "投影仪", "视频会议"], "supplies": ["办公用品"], "service": ["投诉", "vip"],
    "billing": ["账单", "退款"], "change": ["变更", "上线"], "netchange": ["变更", "防火墙"],
    "phishing": ["钓鱼", "安全"], "malware": ["病毒", "安全"],
}  # fmt: skip
COMMON_TAGS = ["紧急", "重复报修", "vip", "夜间", "周末"]

DEVICES = {
    "printer": [("HP M404 打印机", "HP M404 printer"), ("理光 MP C3004 复印机", "Ricoh MP C3004 copier"),
                ("佳能 iR-ADV 打印机", "Canon iR-ADV printer"), ("兄弟 HL-L2350 打印机", "Brother HL-L2350 printer")],
    "laptop": [("ThinkPad X1 笔记本", "ThinkPad X1 laptop"), ("MacBook Pro", "MacBook Pro"),
               ("戴尔 Latitude 7440", "Dell Latitude 7440"), ("华为 MateBook 14", "Huawei MateBook 14")],
    "monitor": [("戴尔 U2723 显示器", "Dell U2723 monitor"), ("联想 P27 显示器", "Lenovo P27 monitor"),
                ("雷电扩展坞", "Thunderbolt dock")],
    "aircon": [("中央空调", "central air conditioning"), ("格力挂机", "Gree wall unit"), ("大金风机盘管", "Daikin fan coil")],
    "server": [("db-prod-0{n}", "db-prod-0{n}"), ("web-0{n}", "web-0{n}"), ("k8s-node-{n}", "k8s-node-{n}"),
               ("erp-app-0{n}", "erp-app-0{n}")],
}  # fmt: skip
SYSTEMS = [("ERP", "ERP"), ("OA", "OA"), ("CRM", "CRM"), ("企业邮箱", "company email"), ("财务系统", "finance system"),
           ("HR 系统", "HR system"), ("报销系统", "expense system")]  # fmt: skip

# subject key → [(zh, en)]; slots: {floor} {room} {bld} {device} {system} {n} {code} {site}
SUBJECTS = {
    "wifi": [("{floor}楼无线网络信号弱", "Weak Wi-Fi signal on floor {floor}"),
             ("会议室 {room} 连不上 Wi-Fi", "Cannot join Wi-Fi in meeting room {room}"),
             ("访客网络无法认证", "Guest Wi-Fi login page does not load"),
             ("{bld}无线网络频繁掉线", "Wi-Fi keeps dropping in {bld_en}")],
    "vpn": [("VPN 无法连接", "Cannot connect to VPN"), ("VPN 连接后很慢", "VPN is very slow after connecting"),
            ("VPN 提示证书过期", "VPN says the certificate has expired"),
            ("出差期间 VPN 每{n}分钟断开一次", "VPN disconnects every {n} minutes while travelling")],
    "wired": [("{floor}楼工位网口没有网络", "No network on the desk port on floor {floor}"),
              ("{room} 交换机端口故障", "Switch port broken in room {room}"),
              ("网络延迟高，ping 丢包 {n}%", "High latency, {n}% packet loss")],
    "password": [("{system}密码忘记了，需要重置", "Forgot my {system_en} password, please reset"),
                 ("{system}账号被锁定", "{system_en} account locked"),
                 ("新员工首次登录密码无效", "New starter cannot log in with the first password")],
    "access": [("申请开通{system}权限", "Request access to {system_en}"),
               ("申请共享盘 {code} 读写权限", "Request write access to share {code}"),
               ("离职人员账号需要停用", "Disable the account of a leaver")],
    "mail": [("邮箱收不到外部邮件", "Not receiving external email"), ("邮箱空间已满", "Mailbox is full"),
             ("Outlook 一直提示输入密码", "Outlook keeps asking for the password"),
             ("邮件发送失败，退信代码 {code}", "Email bounces with code {code}")],
    "laptop": [("{device}开不了机", "{device_en} does not power on"), ("{device}频繁蓝屏", "{device_en} keeps blue-screening"),
               ("{device}电池鼓包", "{device_en} battery is swollen"), ("电脑运行很慢，需要加内存", "Computer very slow, needs more memory"),
               ("{device}键盘进水", "Spilled water on the {device_en} keyboard")],
    "printer": [("{floor}楼打印机卡纸", "Printer jammed on floor {floor}"), ("{device}无法打印", "{device_en} cannot print"),
                ("{room} 打印机打印出来有黑线", "Printer in {room} prints black lines"),
                ("{device}缺少硒鼓", "{device_en} needs a new toner cartridge"),
                ("扫描到邮箱功能失效", "Scan to email stopped working")],
    "monitor": [("{device}黑屏", "{device_en} shows a black screen"), ("外接显示器没有信号", "External monitor has no signal"),
                ("申请第二台显示器", "Request a second monitor"), ("{device}闪烁", "{device_en} flickers")],
    "erp": [("ERP 月结报错 {code}", "ERP month-end close fails with {code}"), ("ERP 登录超时", "ERP login times out"),
            ("ERP 采购订单无法审批", "Purchase orders cannot be approved in ERP"),
            ("ERP 报表数据不一致", "ERP report figures do not match")],
    "oa": [("OA 审批流程卡住", "OA approval workflow is stuck"), ("OA 附件上传失败", "Cannot upload attachments in OA"),
           ("OA 手机端打不开", "OA mobile app does not open")],
    "crm": [("CRM 客户数据丢失", "Customer records missing in CRM"), ("CRM 导出 Excel 报错", "CRM export to Excel fails"),
            ("CRM 同步延迟 {n} 小时", "CRM sync is {n} hours behind")],
    "server": [("服务器 {device} 磁盘使用率 {n}%", "Server {device_en} disk usage at {n}%"),
               ("服务器 {device} CPU 持续告警", "Server {device_en} CPU alert firing"),
               ("{device} 无法 SSH 登录", "Cannot SSH into {device_en}"),
               ("数据库主从同步延迟", "Database replication lag")],
    "backup": [("夜间备份任务失败", "Nightly backup job failed"), ("NAS 存储空间不足", "NAS is running out of space"),
               ("需要恢复 {n} 月 {d} 日的文件", "Need files restored from {n}/{d}")],
    "aircon": [("{floor}楼{device}不制冷", "{device_en} not cooling on floor {floor}"),
               ("{room} 空调漏水", "Air conditioner leaking in {room}"),
               ("{bld}机房温度过高", "Server room too hot in {bld_en}"), ("{room} 空调噪音很大", "Air conditioner very noisy in {room}")],
    "light": [("{floor}楼走廊灯不亮", "Corridor lights out on floor {floor}"), ("{room} 灯管闪烁", "Flickering light in {room}"),
              ("地下车库照明故障", "Car park lighting failure")],
    "plumbing": [("{floor}楼卫生间漏水", "Toilet leaking on floor {floor}"), ("{room} 插座没电", "No power at the sockets in {room}"),
                 ("{bld}配电箱跳闸", "Breaker tripped in {bld_en}"), ("茶水间热水器坏了", "Pantry water heater broken")],
    "door": [("{bld}门禁刷卡无反应", "Door card reader not responding in {bld_en}"), ("工卡丢失需要补办", "Lost my badge, need a new one"),
             ("{room} 门锁坏了", "Door lock broken in {room}")],
    "meeting": [("预订会议室 {room}", "Book meeting room {room}"), ("{room} 投影仪无法投屏", "Projector in {room} will not mirror"),
                ("视频会议没有声音", "No audio in the video conference")],
    "supplies": [("申领办公用品", "Request office supplies"), ("{floor}楼打印纸用完了", "Out of printer paper on floor {floor}")],
    "service": [("对上门服务态度不满意", "Unhappy with the on-site engineer"), ("承诺时间内未到场", "Engineer did not arrive on time"),
                ("多次报修未解决", "Reported several times and still not fixed")],
    "billing": [("账单金额有误，订单 {code}", "Wrong amount on the invoice for order {code}"), ("申请退款", "Request a refund"),
                ("重复扣费 {n} 元", "Charged twice, {n} yuan")],
    "change": [("申请周末升级 {system}", "Upgrade {system_en} this weekend"), ("{system} 版本发布 {code}", "Release {code} of {system_en}"),
               ("数据库参数调整", "Tune database parameters")],
    "netchange": [("防火墙开放端口 {n}", "Open firewall port {n}"), ("新增 {floor} 楼网络接入点", "Add access points on floor {floor}")],
    "phishing": [("收到可疑钓鱼邮件", "Received a suspicious phishing email"), ("误点了钓鱼链接", "Clicked a phishing link by mistake")],
    "malware": [("电脑提示发现病毒", "Antivirus found a virus on my computer"), ("文件被加密，疑似勒索病毒", "Files encrypted, looks like ransomware")],
}  # fmt: skip

OPENINGS = {
    "zh": ["{subject}。", "你好，{subject}，麻烦看一下。", "{subject}，已经影响正常工作。", "紧急：{subject}！"],
    "en": ["{subject}.", "Hello, {subject_lc}. Could someone take a look?", "{subject}, and it is blocking my work.",
           "Urgent: {subject_lc}!"],
}  # fmt: skip
CONTEXT = {
    "zh": ["今天上午开始出现，重启之后还是一样。", "从昨天下午就这样了，整个部门都受影响。", "偶尔会好，过一会儿又出现。",
           "已经尝试过重启和重新插拔，没有效果。", "同事也遇到了同样的问题。", "上周报修过一次，现在又出现了。",
           "错误代码 {code}，截图在附件里。", "位置在{site}{bld}{floor}楼 {room} 房间。"],
    "en": ["It started this morning and a restart did not help.", "It has been like this since yesterday afternoon; the whole team is affected.",
           "It works for a while and then fails again.", "I already tried restarting and reconnecting, no luck.",
           "My colleagues have the same problem.", "This was reported last week and is back again.",
           "The error code is {code}, screenshot attached.", "Location: {site_en}, {bld_en}, floor {floor}, room {room}."],
}  # fmt: skip
DETAILS = {
    "zh": ["资产编号 {asset}，联系电话 1{phone}。", "影响大约 {n} 人。", "客户订单号 {code}，请尽快回复客户。",
           "我今天 {h} 点之后都在工位。", "设备型号 {device}。"],
    "en": ["Asset tag {asset}, phone 1{phone}.", "About {n} people are affected.", "Customer order {code}, please reply to the customer soon.",
           "I am at my desk after {h} today.", "Device model {device_en}."],
}  # fmt: skip
CLOSINGS = {
    "zh": ["谢谢！", "请尽快处理，谢谢。", "辛苦了。", ""],
    "en": ["Thanks!", "Please help as soon as possible.", "Thank you.", ""],
}
STAFF_REPLIES = {
    "zh": ["您好，已收到您的报修，我们正在排查。", "工程师预计 {n} 分钟内到场处理。", "已远程处理，请您再试一下。",
           "请提供一下资产编号和报错截图。", "问题已定位，正在修复中。", "备件已到，今天下午上门更换。"],
    "en": ["Hi, we have received your request and are looking into it.", "An engineer will be with you in about {n} minutes.",
           "Fixed remotely, please try again.", "Could you send the asset tag and a screenshot of the error?",
           "We found the cause and are fixing it now.", "The spare part has arrived; we will replace it this afternoon."],
}  # fmt: skip
ASK_INFO = {"zh": ["请补充一下具体位置和联系电话。", "麻烦提供一下报错截图，谢谢。"],
            "en": ["Could you tell us the exact location and a phone number?", "Please send a screenshot of the error, thanks."]}  # fmt: skip
REQUESTER_REPLIES = {
    "zh": ["资产编号是 {asset}，截图已上传。", "我在{floor}楼 {room}，电话 1{phone}。", "请问现在进展如何？", "好的，谢谢！",
           "还是不行，问题依旧。"],
    "en": ["The asset tag is {asset}; screenshot uploaded.", "I am on floor {floor}, room {room}, phone 1{phone}.",
           "Any update on this?", "OK, thank you!", "Still not working, same problem."],
}  # fmt: skip
NOTES = {
    "zh": ["已联系厂商，备件预计 {n} 天到货。", "疑似硬件故障，需要返厂。", "与网络组确认过，是交换机端口问题。", "客户是 VIP，优先处理。",
           "已在测试环境复现，等待开发修复。", "转交现场工程师处理。"],
    "en": ["Vendor contacted, spare part due in {n} days.", "Looks like a hardware fault; needs to go back to the vendor.",
           "Checked with the network team: a switch port problem.", "VIP customer, handle first.",
           "Reproduced in test, waiting for a fix from development.", "Handed over to the field engineer."],
}  # fmt: skip
RESOLUTIONS = {
    "zh": ["已更换配件，测试恢复正常。", "已重启服务并验证恢复。", "已重置密码并通知用户。", "已调整配置，问题解决。",
           "现场检查后已修复。", "已与客户沟通并处理完毕。"],
    "en": ["Replaced the part and tested: working again.", "Restarted the service and verified it is back.",
           "Password reset and the user informed.", "Configuration adjusted, problem solved.",
           "Fixed on site after inspection.", "Talked to the customer and settled it."],
}  # fmt: skip
TIME_NOTES = {
    "zh": ["现场处理", "远程排查", "与厂商沟通"],
    "en": ["On-site work", "Remote troubleshooting", "Vendor call"],
}

SITES = [("上海总部", "Shanghai HQ", ["A座", "B座", "C座"]), ("北京分公司", "Beijing office", ["东楼", "西楼"]),
         ("深圳研发中心", "Shenzhen R&D centre", ["1号楼", "2号楼", "3号楼"])]  # fmt: skip
BUILDING_EN = {"A座": "Building A", "B座": "Building B", "C座": "Building C", "东楼": "East building",
               "西楼": "West building", "1号楼": "Building 1", "2号楼": "Building 2", "3号楼": "Building 3"}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯晨欣怡子涵雨轩思远佳琪梓萱一鸣俊杰"
EN_FIRST = ["James", "Emma", "Oliver", "Sophie", "Liam", "Mia", "Noah", "Chloe", "Lucas", "Grace", "Ethan", "Lily",
            "Daniel", "Hannah", "Jack", "Ava", "Ryan", "Zoe", "Adam", "Ella"]  # fmt: skip
EN_LAST = ["Smith", "Brown", "Wilson", "Taylor", "Clark", "Walker", "Young", "King", "Wright", "Hill", "Green", "Baker",
           "Turner", "Parker", "Evans", "Collins", "Morgan", "Murphy", "Wong", "Chan"]  # fmt: skip
DEPARTMENTS = ["研发中心", "财务部", "人力资源部", "市场部", "销售一部", "销售二部", "采购部", "法务部", "行政部", "生产部",
               "质量部", "物流部", "客服中心", "战略发展部", "审计部", "董事会办公室", "品牌部", "数据中心", "运营部", "培训中心"]  # fmt: skip
CUSTOMERS = ["华东物流", "远航科技", "星辰贸易", "恒通制造", "海川医药", "金桥地产", "蓝天教育", "瑞丰食品", "东方电气",
             "新诚咨询", "博雅传媒", "嘉禾零售", "天佑能源", "中联通信", "安信保险", "泰和酒店", "云帆软件", "明德学校",
             "鼎盛建设", "万象物业", "Northwind Trading", "Contoso Ltd", "Fabrikam Inc", "Globex Asia", "Initech China",
             "Umbrella Health", "Acme Pacific", "Stark Components", "Wayne Logistics", "Tyrell Devices"]  # fmt: skip

STATUS_MIX = [  # (max age in days, [(status, weight)])
    (1, [("new", 25), ("assigned", 20), ("in_progress", 30), ("pending_requester", 6), ("pending_third_party", 4),
         ("resolved", 12), ("cancelled", 3)]),
    (7, [("new", 4), ("assigned", 7), ("in_progress", 22), ("pending_requester", 8), ("pending_third_party", 5),
         ("resolved", 30), ("closed", 20), ("cancelled", 4)]),
    (30, [("new", 0.5), ("assigned", 1.5), ("in_progress", 6), ("pending_requester", 3), ("pending_third_party", 2),
          ("resolved", 10), ("closed", 73), ("cancelled", 4)]),
    (10**6, [("new", 0.05), ("assigned", 0.15), ("in_progress", 0.4), ("pending_requester", 0.3),
             ("pending_third_party", 0.2), ("resolved", 0.9), ("closed", 94), ("cancelled", 4)]),
]  # fmt: skip
PRIORITY_MIX = {"P0": 1, "P1": 7, "P2": 30, "P3": 45, "P4": 17}
RESOLVE_HOURS = {"P0": 2, "P1": 8, "P2": 30, "P3": 60, "P4": 160}  # median time to resolve
DUE_HOURS = {"P0": 4, "P1": 24, "P2": 72, "P3": 120, "P4": 336}
CHANNELS = [("web", 45), ("portal", 20), ("email", 18), ("phone", 10), ("chat", 5), ("api", 2)]
HOUR_WEIGHTS = [
    0.3,
    0.2,
    0.15,
    0.1,
    0.1,
    0.2,
    0.5,
    1.5,
    5,
    9,
    10,
    9,
    5,
    7,
    9,
    9,
    8,
    6,
    3,
    2,
    1.5,
    1,
    0.7,
    0.5,
]


def weighted(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [v for v, _w in pairs]
    cum = list(itertools.accumulate(w for _v, w in pairs))
    return values, cum


def cheap_html(text: str) -> str:
    """render_markdown's output for plain text: paragraphs, line breaks (nl2br), HTML escaped."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join(
        "<p>" + "<br>\n".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


# --------------------------------------------------------------------------------------------------------
# The site: made through the services, so it is exactly what an admin would have configured.


@dataclass
class Site:
    admin: Any
    teams: dict[str, Any]
    team_members: dict[int, list[int]]
    team_leads: dict[int, list[int]]
    user_names: dict[int, str]
    requesters: list[tuple[int, int | None, str]]  # id, organisation id, language
    requester_cum: list[float]
    leaves: list[dict[str, Any]]
    leaf_cum: list[float]
    priorities: dict[str, Any]
    types: dict[str, Any]
    rooms: list[tuple[int, dict[str, str]]]
    tags: dict[str, int]
    fields_by_top: dict[int, list[Any]]
    agent_ids: list[int]
    desk_agent_ids: list[int]


def build_site(rng: random.Random, *, agents: int, requesters: int, log) -> Site:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from gongdan.accounts import services as accounts
    from gongdan.accounts.models import Membership, Organisation, Role, ServiceTier, User
    from gongdan.assets.models import Location
    from gongdan.assets.services import location_create
    from gongdan.tickets.models import Priority, Tag, TicketType
    from gongdan.tickets.services.configuration import category_create, custom_field_create

    started = time.monotonic()
    password_hash = make_password(BENCH_PASSWORD)  # hashed once, shared by every generated user
    with transaction.atomic():
        admin = accounts.user_create(actor=None, username=BENCH_ADMIN, role=Role.ADMIN, display_name="系统管理员",
                                     email="bench_admin@example.com")  # fmt: skip
        User.objects.filter(pk=admin.pk).update(password=password_hash)
        orgs = [accounts.organisation_create(actor=None, name=name, kind=Organisation.Kind.INTERNAL,
                                             email_domain="gongdan.example") for name in DEPARTMENTS]  # fmt: skip
        for i, name in enumerate(CUSTOMERS):
            tier = (
                ServiceTier.VIP
                if i % 7 == 0
                else ServiceTier.PRIORITY
                if i % 3 == 0
                else ServiceTier.STANDARD
            )
            orgs.append(accounts.organisation_create(actor=None, name=name, kind=Organisation.Kind.CUSTOMER,
                                                     service_tier=tier, email_domain=f"customer{i}.example"))  # fmt: skip
        teams = {key: accounts.team_create(actor=None, name=zh, name_en=en) for key, zh, en, _s in TEAMS}
        skills = [accounts.skill_create(actor=None, name=zh, name_en=en) for zh, en in SKILLS]

        # Users: bulk-created (user_create would hash a password per user); same fields the service sets.
        now = datetime.now(UTC)
        rows = []
        for i in range(1, agents + 1):
            zh = rng.random() < 0.85
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            if not zh:
                name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            role = Role.TEAM_LEAD if i % 12 == 0 else Role.MANAGER if i % 67 == 0 else Role.AGENT
            if i == 1:
                role = Role.AGENT
            rows.append(User(username=f"agent{i:03d}", password=password_hash, role=role, display_name=name,
                             email=f"agent{i:03d}@gongdan.example", language="zh-hans" if zh else "en",
                             date_joined=now))  # fmt: skip
        for i in range(1, requesters + 1):
            zh = rng.random() < 0.75
            org = orgs[min(int(rng.paretovariate(1.2)) - 1, len(orgs) - 1)] if rng.random() < 0.97 else None
            if org is not None and rng.random() < 0.5:
                org = rng.choice(orgs)
            name = (rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
                    if zh else f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}")  # fmt: skip
            rows.append(User(username=f"user{i:05d}", password=password_hash, role=Role.REQUESTER, display_name=name,
                             email=f"user{i:05d}@{org.email_domain if org else 'mail.example'}",
                             language="zh-hans" if zh else "en", organisation=org,
                             sees_organisation_tickets=rng.random() < 0.05, date_joined=now))  # fmt: skip
        User.objects.bulk_create(rows, batch_size=2000)
        agent_users = list(User.objects.filter(username__startswith="agent").order_by("username"))
        agent_ids = [u.pk for u in agent_users]
        team_keys = [key for key, _zh, _en, _s in TEAMS]
        team_share = [share for _k, _zh, _en, share in TEAMS]
        members: dict[str, list[Any]] = {k: [] for k in team_keys}
        leads: dict[str, list[Any]] = {k: [] for k in team_keys}
        for user in agent_users:
            if user.username == BENCH_AGENT:
                chosen = ["desk", "desktop"]  # the benchmark's agent: two busy queues
            else:
                chosen = {rng.choices(team_keys, weights=team_share)[0]}
                if rng.random() < 0.3:
                    chosen.add(rng.choices(team_keys, weights=team_share)[0])
            for key in chosen:
                (leads if user.role == Role.TEAM_LEAD else members)[key].append(user)
        for key in team_keys:
            if not leads[key]:
                leads[key].append(members[key][0])
            accounts.team_set_members(actor=None, team=teams[key], members=members[key], leads=leads[key])
        for user in agent_users[:60]:
            accounts.agent_set_skills(
                actor=None, user=user, levels={s: rng.randint(1, 5) for s in rng.sample(skills, 3)}
            )

        # Locations: site → building → floor → room.
        rooms: list[tuple[int, dict[str, str]]] = []
        for site_zh, site_en, buildings in SITES:
            site = location_create(actor=None, name=site_zh, kind=Location.Kind.SITE, code=site_en)
            for bld in buildings:
                building = location_create(actor=None, name=bld, kind=Location.Kind.BUILDING, parent=site)
                for floor_no in range(1, rng.randint(4, 12)):
                    floor = location_create(actor=None, name=f"{floor_no}楼", kind=Location.Kind.FLOOR,
                                            parent=building)  # fmt: skip
                    for r in range(1, rng.randint(3, 7)):
                        room_code = f"{bld[0] if bld[0].isascii() else 'ABCDEFGH'[buildings.index(bld)]}{floor_no}{r:02d}"
                        room = location_create(
                            actor=None, name=room_code, kind=Location.Kind.ROOM, parent=floor
                        )
                        rooms.append((room.pk, {"site": site_zh, "site_en": site_en, "bld": bld,
                                                "bld_en": BUILDING_EN[bld], "floor": str(floor_no), "room": room_code}))  # fmt: skip

        priorities = {p.code: p for p in Priority.objects.all()}
        types = {t.code: t for t in TicketType.objects.all()}
        leaves: list[dict[str, Any]] = []
        fields_by_top: dict[int, list[Any]] = {}
        for order, (zh, en, team_key, prio, type_code, children) in enumerate(CATEGORIES):
            top = category_create(actor=None, name=zh, name_en=en, default_team=teams[team_key],
                                  default_priority=priorities[prio], default_type=types[type_code], order=order,
                                  template="问题描述：\n\n影响范围：" if type_code == "incident" else "")  # fmt: skip
            fields_by_top[top.pk] = []
            for f_order, (key, fzh, fen, ftype, required, choices) in enumerate(CUSTOM_FIELDS.get(en, [])):
                fields_by_top[top.pk].append(custom_field_create(
                    actor=None, category=top, key=key, label=fzh, label_en=fen, field_type=ftype, required=required,
                    order=f_order,
                    choices=[{"value": v, "label": lz, "label_en": le} for v, lz, le in choices] if choices else [],
                ))  # fmt: skip
            for c_order, (czh, cen, subject_key) in enumerate(children):
                leaf = category_create(actor=None, name=czh, name_en=cen, parent=top, default_team=teams[team_key],
                                       default_priority=priorities[prio], default_type=types[type_code], order=c_order)  # fmt: skip
                leaves.append({"category": leaf, "top": top, "team": teams[team_key], "team_key": team_key,
                               "priority": prio, "type": types[type_code], "subject_key": subject_key})  # fmt: skip
        tag_names = sorted({t for names in TAGS.values() for t in names} | set(COMMON_TAGS))
        Tag.objects.bulk_create([Tag(name=n) for n in tag_names], ignore_conflicts=True)
        tags = dict(Tag.objects.values_list("name", "id"))

    team_members = {
        t.pk: list(Membership.objects.filter(team=t).values_list("user_id", flat=True))
        for t in teams.values()
    }
    team_leads = {
        t.pk: list(Membership.objects.filter(team=t, team_role="lead").values_list("user_id", flat=True))
        for t in teams.values()
    }
    user_names = {pk: str(u) for pk, u in ((u.pk, u) for u in User.objects.all())}
    requester_rows = list(
        User.objects.filter(role=Role.REQUESTER)
        .order_by("pk")
        .values_list("pk", "organisation_id", "language")
    )
    # A few requesters report a lot, most report rarely.
    requester_cum = list(itertools.accumulate(1.0 / (i + 10) ** 0.8 for i in range(len(requester_rows))))
    leaf_weights = [9, 8, 4, 10, 6, 4, 7, 12, 4, 5, 4, 3, 2, 3, 3, 6, 3, 4, 3, 4, 2, 2, 2, 2, 2, 1, 2]
    leaf_cum = list(itertools.accumulate(leaf_weights[i % len(leaf_weights)] for i in range(len(leaves))))
    log(f"site built in {time.monotonic() - started:.1f}s: {len(agent_ids)} agents, {len(requester_rows)} requesters, "
        f"{len(orgs)} organisations, {len(teams)} teams, {len(leaves)} leaf categories, {len(rooms)} rooms")  # fmt: skip
    return Site(
        admin=admin, teams=teams, team_members=team_members, team_leads=team_leads, user_names=user_names,
        requesters=requester_rows, requester_cum=requester_cum, leaves=leaves, leaf_cum=leaf_cum,
        priorities=priorities, types=types, rooms=rooms, tags=tags, fields_by_top=fields_by_top,
        agent_ids=agent_ids, desk_agent_ids=team_members[teams["desk"].pk],
    )  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# Tickets


TICKET_COLUMNS = [
    "id", "number", "subject", "description", "description_html", "ticket_type_id", "category_id", "priority_id",
    "status", "channel", "requester_id", "organisation_id", "assignee_id", "team_id", "due_at", "location_id",
    "location_text", "parent_id", "duplicate_of_id", "custom_values", "resolution", "version", "created_by_id",
    "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "search_text", "search_notes",
    "sla_due_at", "sla_warn_at", "sla_paused", "sla_breached",
]  # fmt: skip
COMMENT_COLUMNS = [
    "id",
    "ticket_id",
    "author_id",
    "body",
    "body_html",
    "is_internal",
    "channel",
    "created_at",
]
EVENT_COLUMNS = ["id", "ticket_id", "actor_id", "kind", "created_at", "is_internal", "comment_id", "data"]
TAG_COLUMNS = ["ticket_id", "tag_id"]
WATCHER_COLUMNS = ["ticket_id", "user_id"]
TIME_COLUMNS = ["id", "ticket_id", "user_id", "minutes", "work_date", "note", "created_at"]


@dataclass
class Batch:
    tickets: list[tuple] = field(default_factory=list)
    comments: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    watchers: list[tuple] = field(default_factory=list)
    times: list[tuple] = field(default_factory=list)

    def rows(self) -> int:
        return sum(
            len(x) for x in (self.tickets, self.comments, self.events, self.tags, self.watchers, self.times)
        )


class TicketFactory:
    """Composes one ticket with its whole history, the way the services would have written it."""

    def __init__(
        self, site: Site, rng: random.Random, *, now: datetime, tz: ZoneInfo, numbering: Any
    ) -> None:
        from gongdan.tickets.services import build_search_text

        self.build_search_text = build_search_text
        self.site, self.rng, self.now, self.tz = site, rng, now, tz
        self.numbering = numbering
        self.sequences: dict[str, int] = {}
        self.ticket_id = self.comment_id = self.event_id = self.time_id = 0
        self.status_tables = [(age, *weighted(mix)) for age, mix in STATUS_MIX]
        self.prio_values, self.prio_cum = weighted(list(PRIORITY_MIX.items()))
        self.channel_values, self.channel_cum = weighted(CHANNELS)
        self.labels = {"team": {t.pk: {"id": t.pk, "label": str(t)} for t in site.teams.values()}}
        self.category_labels = {leaf["category"].pk: {"id": leaf["category"].pk, "label": str(leaf["category"])}
                                for leaf in site.leaves}  # fmt: skip
        self.dumps = json.JSONEncoder().encode  # what Django's JSONField writes (json.dumps defaults)

    def user_label(self, pk: int | None) -> dict[str, Any] | None:
        return None if pk is None else {"id": pk, "label": self.site.user_names[pk]}

    def slots(self, room: dict[str, str], leaf: dict[str, Any]) -> dict[str, str]:
        rng = self.rng
        devices = (
            DEVICES.get(leaf["subject_key"])
            or DEVICES["server" if leaf["team_key"] == "infra" else "printer"]
        )
        dev_zh, dev_en = rng.choice(devices)
        n = rng.randint(2, 9)
        system, system_en = rng.choice(SYSTEMS)
        return {
            **room, "device": dev_zh.format(n=n), "device_en": dev_en.format(n=n), "system": system,
            "system_en": system_en, "n": str(rng.randint(2, 60)), "d": str(rng.randint(1, 28)),
            "code": f"{rng.choice('EKRSX')}{rng.randint(100, 9999)}", "asset": f"IT-{rng.randint(10000, 99999)}",
            "phone": str(rng.randint(3000000000, 9999999999)), "h": str(rng.randint(13, 17)),
        }  # fmt: skip

    def sla_columns(self, status: str, due_at: datetime | None) -> tuple:
        """sla_due_at, sla_warn_at, sla_paused, sla_breached as the SLA engine leaves an open ticket (the clock
        rows themselves are not generated: bench/sla.py builds its own)."""
        if status not in {"new", "assigned", "in_progress", "pending_requester", "pending_third_party"}:
            return (None, None, False, False)
        paused = status.startswith("pending")
        return (due_at, None, paused, bool(due_at and not paused and due_at < self.now))

    def number(self, created_at: datetime) -> str:
        local = created_at.astimezone(self.tz)
        prefix, include_year, digits = self.numbering
        scope = f"{prefix}-{local.year}" if include_year else prefix
        value = self.sequences.get(scope, 0) + 1
        self.sequences[scope] = value
        return f"{scope}-{value:0{digits}d}"

    def custom_values(
        self, leaf: dict[str, Any], slots: dict[str, str], requester_id: int, created: datetime
    ):
        rng = self.rng
        values: dict[str, Any] = {}
        for f in self.site.fields_by_top.get(leaf["top"].pk, ()):
            if not f.required and rng.random() < 0.5:
                continue
            match f.field_type:
                case "text":
                    values[f.key] = slots["asset"] if f.key == "asset_tag" else slots["code"]
                case "number":
                    values[f.key] = rng.randint(1, 200) if f.key != "amount" else rng.randint(50, 20000)
                case "date":
                    values[f.key] = (
                        created.astimezone(self.tz).date() + timedelta(days=rng.randint(1, 14))
                    ).isoformat()
                case "choice":
                    values[f.key] = rng.choice(f.choices)["value"]
                case "multi_choice":
                    values[f.key] = sorted({c["value"] for c in rng.sample(f.choices, rng.randint(1, 2))})
                case "user":
                    values[f.key] = requester_id
        return values

    def make(self, created: datetime, batch: Batch) -> None:
        rng, site = self.rng, self.site
        self.ticket_id += 1
        tid = self.ticket_id
        leaf = site.leaves[bisect.bisect(site.leaf_cum, rng.random() * site.leaf_cum[-1])]
        requester_id, organisation_id, language = site.requesters[
            bisect.bisect(site.requester_cum, rng.random() * site.requester_cum[-1])
        ]
        lang = "zh" if language == "zh-hans" else "en"
        if rng.random() < 0.08:
            lang = "en" if lang == "zh" else "zh"
        room_id, room = rng.choice(site.rooms)
        slots = self.slots(room, leaf)
        zh_subject, en_subject = rng.choice(SUBJECTS[leaf["subject_key"]])
        subject = (zh_subject if lang == "zh" else en_subject).format(**slots)
        slots["subject"] = subject
        slots["subject_lc"] = subject if subject[:2].isupper() else subject[0].lower() + subject[1:]
        lines = [rng.choice(OPENINGS[lang]).format(**slots)]
        lines += [s.format(**slots) for s in rng.sample(CONTEXT[lang], rng.randint(0, 2))]
        if rng.random() < 0.5:
            lines.append(rng.choice(DETAILS[lang]).format(**slots))
        closing = rng.choice(CLOSINGS[lang])
        if closing:
            lines.append(closing)
        description = ("\n\n" if rng.random() < 0.3 else "\n").join(lines) if rng.random() < 0.97 else ""
        priority = leaf["priority"] if rng.random() < 0.6 else self.prio_values[
            bisect.bisect(self.prio_cum, rng.random() * self.prio_cum[-1])]  # fmt: skip
        channel = self.channel_values[bisect.bisect(self.channel_cum, rng.random() * self.channel_cum[-1])]
        has_category = channel != "email" or rng.random() < 0.6
        category_id = leaf["category"].pk if has_category else None
        team_id = leaf["team"].pk if has_category else None
        members = site.team_members[leaf["team"].pk]
        assignee = members[min(int(rng.expovariate(2.5 / len(members))), len(members) - 1)]
        leads = site.team_leads[leaf["team"].pk] or members
        creator = rng.choice(site.desk_agent_ids) if channel == "phone" else requester_id
        location_id = room_id if leaf["team_key"] in ("facilities", "desktop", "network", "office") or rng.random() < 0.2 else None  # fmt: skip
        location_text = (
            f"{room['bld']}{room['floor']}楼 {room['room']} 靠窗工位" if rng.random() < 0.05 else ""
        )

        age_days = (self.now - created).total_seconds() / 86400
        for max_age, values, cum in self.status_tables:
            if age_days < max_age:
                final = values[bisect.bisect(cum, rng.random() * cum[-1])]
                break
        # The history, as (kind, actor, data, is_internal, comment) steps; times assigned afterwards.
        steps: list[list[Any]] = []

        def comment(author: int, body: str, internal: bool) -> None:
            steps.append(
                ["note_added" if internal else "commented", author, None, internal, (author, body, internal)]
            )

        def transition(actor: int | None, before: str, after: str, action: str, note: str = "") -> None:
            steps.append(
                [
                    "transitioned",
                    actor,
                    {"from": before, "to": after, "action": action, "note": note},
                    False,
                    None,
                ]
            )

        created_data = {
            "subject": subject, "status": "new", "priority": priority, "ticket_type": leaf["type"].code,
            "category": self.category_labels.get(category_id), "team": self.labels["team"].get(team_id),
            "assignee": None, "channel": channel,
        }  # fmt: skip
        status = "new"
        current_team, current_assignee = team_id, None
        n_comments = min(int(rng.expovariate(0.55)), 5)
        fill = {**slots, "n": str(rng.randint(10, 90))}
        resolution = ""
        if final == "new" or (final == "cancelled" and rng.random() < 0.5):
            for _ in range(min(n_comments, 1)):
                comment(requester_id, rng.choice(REQUESTER_REPLIES[lang]).format(**fill), False)
        else:
            dispatcher = rng.choice(leads)
            before = {"assignee": None, "team": self.labels["team"].get(current_team), "status": "new"}
            current_team, current_assignee, status = leaf["team"].pk, assignee, "assigned"
            steps.append(["assigned", dispatcher, {"from": before, "to": {
                "assignee": self.user_label(assignee), "team": self.labels["team"][current_team], "status": status},
                "reason": {}}, False, None])  # fmt: skip
            if final not in ("assigned", "cancelled"):
                transition(assignee, status, "in_progress", "start")
                status = "in_progress"
                staff_comments = n_comments
                asked = False
                for i in range(staff_comments):
                    roll = rng.random()
                    if roll < 0.3:
                        comment(assignee, rng.choice(NOTES[lang]).format(**fill), True)
                    elif roll < 0.75 or i == 0:
                        comment(assignee, rng.choice(STAFF_REPLIES[lang]).format(**fill), False)
                    elif not asked and final not in ("pending_requester",) and i < staff_comments - 1:
                        # Staff ask, wait on the requester, the requester's reply puts it back in progress.
                        asked = True
                        comment(assignee, rng.choice(ASK_INFO[lang]), False)
                        transition(assignee, status, "pending_requester", "wait_requester")
                        comment(requester_id, rng.choice(REQUESTER_REPLIES[lang]).format(**fill), False)
                        transition(requester_id, "pending_requester", "in_progress", "requester_replied")
                    else:
                        comment(requester_id, rng.choice(REQUESTER_REPLIES[lang]).format(**fill), False)
                if final in ("resolved", "closed") and rng.random() < 0.3:
                    for _ in range(rng.randint(1, 2)):
                        steps.append(["time_logged", assignee, {"minutes": rng.choice((10, 15, 20, 30, 45, 60, 90, 120, 240)),
                                                                "note": rng.choice(TIME_NOTES[lang])}, True, None])  # fmt: skip
                if final == "pending_requester":
                    comment(assignee, rng.choice(ASK_INFO[lang]), False)
                    transition(assignee, status, "pending_requester", "wait_requester")
                    status = "pending_requester"
                elif final == "pending_third_party":
                    comment(assignee, rng.choice(NOTES[lang]).format(**fill), True)
                    transition(assignee, status, "pending_third_party", "wait_third_party")
                    status = "pending_third_party"
                elif final in ("resolved", "closed"):
                    resolution = rng.choice(RESOLUTIONS[lang])
                    transition(assignee, status, "resolved", "resolve", resolution)
                    status = "resolved"
                    if final == "closed":
                        transition(
                            requester_id if rng.random() < 0.4 else assignee, status, "closed", "close"
                        )
                        status = "closed"
        if final == "cancelled":
            transition(requester_id if current_assignee is None or rng.random() < 0.5 else current_assignee,
                       status, "cancelled", "cancel")  # fmt: skip
            status = "cancelled"

        # Times: spread the steps over a span that depends on priority, capped at "now".
        cap = (self.now - created).total_seconds() - 30
        resolve_seconds = RESOLVE_HOURS[priority] * 3600 * rng.lognormvariate(0, 0.8)
        total = resolve_seconds * (1.6 if status == "closed" else 1.0)
        if final in ("new", "assigned", "in_progress", "pending_requester", "pending_third_party"):
            total = min(total, cap * rng.uniform(0.1, 0.9))
        total = max(min(total, cap), 1.0)
        offsets = sorted(rng.random() for _ in steps)
        if offsets and status in ("resolved", "closed", "cancelled"):
            offsets[-1] = 1.0
            if status == "closed":  # resolved well before the requester's (or the agent's) close
                offsets[:-1] = [o * 0.6 for o in offsets[:-1]]
        if steps and steps[0][0] == "assigned":  # dispatch comes early
            offsets[0] = min(offsets[0], rng.random() * 0.1)
        times = [created + timedelta(seconds=5 + o * total) for o in offsets]

        # Rows.
        search_text_parts = [subject, description]
        notes_parts: list[str] = []
        first_response = resolved_at = closed_at = None
        event_rows = batch.events
        self.event_id += 1
        event_rows.append(
            (self.event_id, tid, creator, "created", created, False, None, self.dumps(created_data))
        )
        for step, at in zip(steps, times, strict=True):
            kind, actor, data, internal, comment_spec = step
            self.event_id += 1
            comment_id = None
            if comment_spec is not None:
                author, body, is_note = comment_spec
                self.comment_id += 1
                comment_id = self.comment_id
                body_channel = "email" if channel == "email" and author == requester_id else "web"
                batch.comments.append(
                    (comment_id, tid, author, body, cheap_html(body), is_note, body_channel, at)
                )
                data = {"attachments": [], "channel": body_channel}
                if is_note:
                    notes_parts.append(body)
                else:
                    search_text_parts.append(body)
                    if first_response is None and author != requester_id:
                        first_response = at
            elif kind == "time_logged":
                work_date = at.astimezone(self.tz).date()
                data = {"minutes": data["minutes"], "work_date": work_date.isoformat(), "note": data["note"]}
                self.time_id += 1
                batch.times.append((self.time_id, tid, actor, data["minutes"], work_date, data["note"], at))
            elif kind == "transitioned":
                if data["to"] == "resolved":
                    resolved_at = at
                elif data["to"] == "closed":
                    closed_at = at
            event_rows.append((self.event_id, tid, actor, kind, at, internal, comment_id, self.dumps(data)))
        updated = times[-1] if times else created
        due_at = created + timedelta(hours=DUE_HOURS[priority]) if rng.random() < 0.6 else None
        custom = self.custom_values(leaf, slots, requester_id, created) if category_id else {}
        batch.tickets.append((
            tid, self.number(created), subject, description, cheap_html(description), leaf["type"].pk, category_id,
            self.site.priorities[priority].pk, status, channel, requester_id, organisation_id, current_assignee,
            current_team, due_at, location_id, location_text, None, None, self.dumps(custom), resolution,
            1 + len(steps), creator, created, updated, first_response, resolved_at, closed_at,
            self.build_search_text(*search_text_parts), self.build_search_text(*notes_parts),
            *self.sla_columns(status, due_at),
        ))  # fmt: skip
        if rng.random() < 0.4:
            names = TAGS[leaf["subject_key"]]
            chosen = set(rng.sample(names, rng.randint(1, min(2, len(names)))))
            if rng.random() < 0.1:
                chosen.add(rng.choice(COMMON_TAGS))
            batch.tags.extend((tid, self.site.tags[n]) for n in sorted(chosen))
        if rng.random() < 0.05:
            pool = (
                self.site.agent_ids
                if rng.random() < 0.6
                else [r[0] for r in rng.sample(self.site.requesters, 2)]
            )
            for watcher in set(rng.sample(pool, rng.randint(1, 2))):
                batch.watchers.append((tid, watcher))


def ticket_times(n: int, rng: random.Random, *, now: datetime, tz: ZoneInfo, days: int):
    """Yield n creation times in order over the last `days` days: busier on weekdays and in office hours,
    with the volume growing over the two years."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    weights = []
    for i in range(days):
        day = first + timedelta(days=i)
        weekday = (1.0, 1.05, 1.0, 0.95, 0.9, 0.3, 0.2)[day.weekday()]
        spring_festival = (
            0.3 if (day.month == 2 and day.day < 15) or (day.month == 1 and day.day > 25) else 1.0
        )
        weights.append(weekday * spring_festival * (0.6 + 0.8 * i / days) * rng.uniform(0.85, 1.15))
    weights[-1] *= min(1.0, max((now.astimezone(tz).hour + 1) / 24, 0.05))
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    for i in sorted(range(days), key=lambda i: n * weights[i] / total - counts[i], reverse=True)[
        : n - sum(counts)
    ]:
        counts[i] += 1
    hours_cum = list(itertools.accumulate(HOUR_WEIGHTS))
    end = now - timedelta(minutes=5)
    for i, count in enumerate(counts):
        day = first + timedelta(days=i)
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        moments = []
        for _ in range(count):
            hour = bisect.bisect(hours_cum, rng.random() * hours_cum[-1])
            moment = start + timedelta(hours=hour, seconds=rng.random() * 3600)
            if moment > end:
                moment = start + (end - start) * rng.random()
            moments.append(moment.astimezone(UTC))
        moments.sort()
        yield from moments


# --------------------------------------------------------------------------------------------------------
# Writers


class Writer:
    tables = {
        "tickets_ticket": ("tickets", TICKET_COLUMNS),
        "tickets_comment": ("comments", COMMENT_COLUMNS),
        "tickets_ticketevent": ("events", EVENT_COLUMNS),
        "tickets_ticket_tags": ("tags", TAG_COLUMNS),
        "tickets_ticket_watchers": ("watchers", WATCHER_COLUMNS),
        "tickets_timeentry": ("times", TIME_COLUMNS),
    }

    def __init__(self, connection, log) -> None:
        self.connection, self.log = connection, log

    def check_columns(self) -> None:
        """Fail loudly if the models gained a column this generator does not fill."""
        with self.connection.cursor() as cursor:
            for table, (_attr, columns) in self.tables.items():
                actual = {c.name for c in self.connection.introspection.get_table_description(cursor, table)}
                wanted = set(columns) | ({"id"} if table.endswith(("_tags", "_watchers")) else set())
                if actual != wanted:
                    sys.exit(f"{table}: the generator writes {sorted(wanted)}, the table has {sorted(actual)}. "
                             "Update bench/generate.py.")  # fmt: skip


class PostgresWriter(Writer):
    def prepare(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            names = list(self.tables)
            # Foreign keys and unique constraints on (and pointing at) the loaded tables, then plain indexes.
            cursor.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE contype IN ('f', 'u') AND (conrelid::regclass::text = ANY(%s)
                   OR (contype = 'f' AND confrelid::regclass::text = ANY(%s)))""",
                [names, names],
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()
                   AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                   WHERE c.conname = i.indexname)""",
                [names],
            )
            self.indexes = cursor.fetchall()
            for table, name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.log(f"dropped {len(self.constraints)} constraints and {len(self.indexes)} indexes for the load")

    @staticmethod
    def _text(value: Any) -> str:
        """One value in COPY's text format (faster than psycopg's write_row for millions of rows)."""
        if value is None:
            return "\\N"
        if value is True:
            return "t"
        if value is False:
            return "f"
        if isinstance(value, str):
            if "\\" in value:
                value = value.replace("\\", "\\\\")
            return value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    def write(self, batch: Batch) -> None:
        raw = self.connection.connection
        text = self._text
        with raw.transaction(), raw.cursor() as cursor:
            for table, (attr, columns) in self.tables.items():
                rows = getattr(batch, attr)
                if not rows:
                    continue
                data = "".join("\t".join(map(text, row)) + "\n" for row in rows)
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(data.encode())

    def finish(self) -> None:
        with self.connection.cursor() as cursor:
            for name, definition in self.indexes:
                started = time.monotonic()
                cursor.execute(definition)
                self.log(f"  index {name}: {time.monotonic() - started:.1f}s")
            for table, name, definition in self.constraints:
                started = time.monotonic()
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                self.log(f"  constraint {name}: {time.monotonic() - started:.1f}s")
            for table in ("tickets_ticket", "tickets_comment", "tickets_ticketevent", "tickets_ticket_tags",
                          "tickets_ticket_watchers", "tickets_timeentry"):  # fmt: skip
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
        self.connection.connection.commit()

    def analyze(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)" if self.connection.connection.autocommit else "ANALYZE")


class SqliteWriter(Writer):
    def prepare(self) -> None:
        raw = self.connection.connection
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -500000")
        names = list(self.tables)
        placeholders = ",".join("?" * len(names))
        self.indexes = raw.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({placeholders})",
            names,
        ).fetchall()
        self.triggers = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'"
        ).fetchall()
        for name, _sql in self.indexes:
            raw.execute(f'DROP INDEX "{name}"')
        for name, _sql in self.triggers:
            raw.execute(f'DROP TRIGGER "{name}"')
        raw.commit()
        self.log(f"dropped {len(self.indexes)} indexes and {len(self.triggers)} FTS triggers for the load")

    @staticmethod
    def _adapt(value: Any) -> Any:
        if isinstance(value, datetime):
            return str(value.astimezone(UTC).replace(tzinfo=None))  # Django's SQLite datetime format
        if isinstance(value, date):
            return value.isoformat()
        return value

    def write(self, batch: Batch) -> None:
        raw = self.connection.connection
        adapt = self._adapt
        for table, (attr, columns) in self.tables.items():
            rows = getattr(batch, attr)
            if not rows:
                continue
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            if not raw.in_transaction:
                raw.execute("BEGIN")
            raw.executemany(sql, ([adapt(v) for v in row] for row in rows))
        raw.commit()

    def finish(self) -> None:
        raw = self.connection.connection
        for name, sql in self.indexes:
            started = time.monotonic()
            raw.execute(sql)
            self.log(f"  index {name}: {time.monotonic() - started:.1f}s")
        started = time.monotonic()
        raw.execute("INSERT INTO tickets_ticket_fts(tickets_ticket_fts) VALUES('rebuild')")
        self.log(f"  FTS rebuild: {time.monotonic() - started:.1f}s")
        for _name, sql in self.triggers:
            raw.execute(sql)
        raw.commit()
        raw.execute("PRAGMA foreign_keys = ON")

    def analyze(self) -> None:
        raw = self.connection.connection
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.commit()


# --------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", help="defaults to DATABASE_URL, else SQLite in the data folder")
    parser.add_argument("--data-dir", help="GONGDAN_DATA_DIR (secret key, SQLite default); /tmp/bench-data")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--requesters", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=730, help="spread the tickets over this many days")
    parser.add_argument("--batch", type=int, default=5000, help="tickets per transaction")
    args = parser.parse_args(argv)
    setup_django(args.database_url, args.data_dir)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from gongdan.core.html_sanitize import render_markdown
    from gongdan.reports.projection import project_pending
    from gongdan.tickets import pipeline
    from gongdan.tickets.models import Ticket, TicketSequence
    from gongdan.tickets.services import numbering_settings

    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:7.1f}s] {message}", flush=True)

    log(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}")
    call_command("migrate", verbosity=0)
    log("migrated")
    if Ticket.objects.exists():
        sys.exit(
            "This database already has tickets: generate into a fresh database (dropdb/createdb, or a new file)."
        )
    rng = random.Random(args.seed)
    site = build_site(rng, agents=args.agents, requesters=args.requesters, log=log)

    writer: Writer = (PostgresWriter if connection.vendor == "postgresql" else SqliteWriter)(connection, log)
    writer.check_columns()
    tz = ZoneInfo(settings.TIME_ZONE)
    numbering = numbering_settings()
    factory = TicketFactory(site, rng, now=datetime.now(UTC), tz=tz,
                            numbering=(numbering.prefix, numbering.include_year, numbering.digits))  # fmt: skip

    # The cheap HTML must be what render_markdown would store: check a sample before writing anything.
    probe = Batch()
    for moment in itertools.islice(ticket_times(400, random.Random(1), now=factory.now, tz=tz, days=30), 400):
        factory.make(moment, probe)
    texts = [(t[3], t[4]) for t in probe.tickets] + [(c[3], c[4]) for c in probe.comments]
    bad = [(text, mine) for text, mine in texts if render_markdown(text) != mine]
    if bad:
        sys.exit(
            f"cheap_html differs from render_markdown, e.g. {bad[0]!r} vs {render_markdown(bad[0][0])!r}"
        )
    factory.rng = rng
    factory.sequences.clear()
    factory.ticket_id = factory.comment_id = factory.event_id = factory.time_id = 0
    log(f"HTML rendering checked on {len(texts)} texts")

    connection.ensure_connection()
    writer.prepare()
    batch = Batch()
    done = rows = 0
    load_started = time.monotonic()
    for moment in ticket_times(args.tickets, rng, now=factory.now, tz=tz, days=args.days):
        factory.make(moment, batch)
        done += 1
        if len(batch.tickets) >= args.batch:
            rows += batch.rows()
            writer.write(batch)
            batch = Batch()
            if done % (args.batch * 10) == 0 or done == args.tickets:
                elapsed = time.monotonic() - load_started
                eta = elapsed / done * (args.tickets - done)
                log(f"{done:>9,} tickets  {rows:>11,} rows  {done / elapsed:8,.0f} tickets/s  "
                    f"{rows / elapsed:9,.0f} rows/s  eta {eta:5.0f}s")  # fmt: skip
    rows += batch.rows()
    writer.write(batch)
    elapsed = time.monotonic() - load_started
    log(f"loaded {done:,} tickets, {rows:,} rows in {elapsed:.1f}s ({done / elapsed:,.0f} tickets/s, "
        f"{rows / elapsed:,.0f} rows/s); comments {factory.comment_id:,}, events {factory.event_id:,}")  # fmt: skip
    log("rebuilding indexes and constraints")
    writer.finish()
    for scope, value in factory.sequences.items():
        TicketSequence.objects.update_or_create(scope=scope, defaults={"last_value": value})
    log("analyzing")
    writer.analyze()
    log(f"number sequences: {dict(sorted(factory.sequences.items()))}")
    # A live site's event consumers have read its whole history: the notification rules and surveys acted on
    # each event as it came (here nobody is told about generated history), the reports' facts are built.
    for name in ("notifications.rules", "portal.surveys"):
        log(f"consumer {name}: cursor at the end of the log ({pipeline.move_to_end(name):,})")
    built = project_pending()
    log(
        f"consumer reports.facts: first build of {built.tickets:,} tickets in {built.seconds:.1f}s, lag {built.lag}"
    )
    log(f"done in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
