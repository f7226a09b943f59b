"""The words of the demo site: people, places, categories and what tickets say, in Chinese and English.

Kept apart from the builder (demo.py) so the story can be edited without touching the mechanics.
"""

from __future__ import annotations

from typing import Any

# Teams: (name, name_en, description)
TEAMS = [
    ("IT 支持", "IT Support", "桌面、账号、打印机与电脑 / Desktops, accounts, printers and computers"),
    ("网络", "Network", "有线、无线、VPN 与机房网络 / Wired, Wi-Fi, VPN and data-centre network"),
    ("设施维修", "Facilities", "空调、水电、照明与办公环境 / HVAC, plumbing, electrical, lighting"),
    ("客户服务", "Customer Service", "客户投诉与售后 / Customer complaints and after-sales"),
    ("应用支持", "Application Support", "邮箱、ERP 与业务系统 / Email, ERP and business systems"),
]

# Skills: (name, name_en)
SKILLS = [
    ("Windows 桌面", "Windows desktop"),
    ("macOS", "macOS"),
    ("网络设备", "Network equipment"),
    ("无线网络", "Wi-Fi"),
    ("打印机", "Printers"),
    ("暖通空调", "HVAC"),
    ("电工", "Electrical"),
    ("水暖", "Plumbing"),
    ("ERP (SAP)", "ERP (SAP)"),
    ("邮件系统", "Email systems"),
    ("英语沟通", "English-speaking support"),
    ("客户沟通", "Customer communication"),
]

# Staff: (username, display name, role, language, [(team, lead?)], {skill_en: level})
STAFF = [
    ("zhou.min", "周敏", "manager", "zh-hans", [], {}),
    ("wang.lei", "王磊", "team_lead", "zh-hans", [("IT Support", True)], {"Windows desktop": 5, "macOS": 3}),
    ("li.na", "李娜", "agent", "zh-hans", [("IT Support", False), ("Application Support", False)],
     {"Windows desktop": 4, "Email systems": 3}),
    ("zhang.wei", "张伟", "agent", "zh-hans", [("IT Support", False)], {"Printers": 5, "Windows desktop": 3}),
    ("liu.yang", "刘洋", "agent", "zh-hans", [("IT Support", False)], {"macOS": 4, "Printers": 2}),
    ("huang.qiang", "黄强", "team_lead", "zh-hans", [("Network", True)], {"Network equipment": 5, "Wi-Fi": 4}),
    ("david.miller", "David Miller", "agent", "en", [("Network", False)],
     {"Network equipment": 4, "English-speaking support": 5}),
    ("sun.li", "孙丽", "agent", "zh-hans", [("Network", False)], {"Wi-Fi": 5}),
    ("zhao.gang", "赵刚", "team_lead", "zh-hans", [("Facilities", True)], {"HVAC": 5, "Electrical": 4}),
    ("ma.chao", "马超", "agent", "zh-hans", [("Facilities", False)], {"Plumbing": 4, "Electrical": 3}),
    ("wu.ting", "吴婷", "agent", "zh-hans", [("Facilities", False)], {"HVAC": 3}),
    ("emily.carter", "Emily Carter", "team_lead", "en", [("Customer Service", True)],
     {"Customer communication": 5, "English-speaking support": 5}),
    ("yang.fan", "杨帆", "agent", "zh-hans", [("Customer Service", False)], {"Customer communication": 4}),
    ("xu.ming", "徐明", "agent", "zh-hans", [("Customer Service", False)], {"Customer communication": 3}),
    ("chen.hao", "陈浩", "team_lead", "zh-hans", [("Application Support", True)], {"ERP (SAP)": 5}),
    ("grace.wu", "Grace Wu", "agent", "en", [("Application Support", False)],
     {"ERP (SAP)": 3, "Email systems": 4, "English-speaking support": 4}),
]  # fmt: skip

# The routing rule that sends a category's new tickets to its team (data an admin edits, so one language).
ROUTING_RULE_NAME = "{category} → 负责团队"

# Organisations: (name, kind, service tier, email domain)
ORGANISATIONS = [
    ("华东制造有限公司", "customer", "vip", "hdmfg.example"),
    ("Northwind Trading (Shanghai) Co., Ltd.", "customer", "priority", "northwind.example"),
    ("苏州精密电子", "customer", "standard", "szprecision.example"),
    ("财务部 Finance", "internal", "standard", "gongdan.example"),
    ("人力资源部 HR", "internal", "standard", "gongdan.example"),
    ("总经办 Executive Office", "internal", "vip", "gongdan.example"),
]

# Named requesters who get a password (printed by load_demo): (username, name, language, organisation)
NAMED_REQUESTERS = [
    ("chen.jing", "陈静", "zh-hans", "华东制造有限公司"),
    ("sarah.lee", "Sarah Lee", "en", "Northwind Trading (Shanghai) Co., Ltd."),
]
CHINESE_SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("杨", "yang"), ("黄", "huang"),
                    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("胡", "hu"),
                    ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"), ("罗", "luo")]  # fmt: skip
CHINESE_GIVEN = [("芳", "fang"), ("静怡", "jingyi"), ("强", "qiang"), ("军", "jun"), ("丽华", "lihua"),
                 ("晓明", "xiaoming"), ("海燕", "haiyan"), ("建华", "jianhua"), ("婷婷", "tingting"), ("宇", "yu"),
                 ("鹏", "peng"), ("欣怡", "xinyi"), ("志远", "zhiyuan"), ("佳琪", "jiaqi"), ("文博", "wenbo")]  # fmt: skip
ENGLISH_NAMES = ["James Wilson", "Olivia Brown", "Michael Chen", "Sophie Martin", "Daniel Kim", "Laura Schmidt",
                 "Tom Becker", "Anna Novak", "Lucas Dubois", "Mia Rossi", "Ethan Clark", "Hannah Park"]  # fmt: skip

# Location tree: site → building → floor → rooms. Sites carry an address and coordinates.
LOCATIONS: list[dict[str, Any]] = [
    {
        "name": "上海总部 Shanghai HQ", "code": "SH", "address": "上海市浦东新区张江路 665 号",
        "latitude": "31.203600", "longitude": "121.590400",
        "buildings": [
            ("A 座 Tower A", "SH-A", "31.203900", "121.590100", {
                "1F": ["101 前台 Reception", "108 快递收发室 Mail room"],
                "3F": ["301 会议室 Meeting room", "305 开放办公区 Open office", "310 打印区 Print corner"],
                "5F": ["502 机房 Server room", "508 培训室 Training room"],
            }),
            ("B 座 Tower B", "SH-B", "31.203200", "121.591000", {
                "2F": ["201 财务室 Finance office", "206 茶水间 Pantry"],
                "4F": ["401 总经理办公室 Executive office", "410 大会议室 Boardroom"],
            }),
        ],
    },
    {
        "name": "苏州工厂 Suzhou Plant", "code": "SZ", "address": "江苏省苏州市工业园区星湖街 328 号",
        "latitude": "31.276900", "longitude": "120.738600",
        "buildings": [
            ("1 号厂房 Workshop 1", "SZ-W1", "31.277300", "120.738100", {
                "1F": ["装配线A Assembly line A", "装配线B Assembly line B", "成品仓库 Warehouse"],
            }),
            ("办公楼 Office building", "SZ-OB", "31.276500", "120.739200", {
                "2F": ["204 信息机房 IT room", "210 会议室 Meeting room"],
                "3F": ["301 办公区 Office area", "312 质检室 Quality lab"],
            }),
        ],
    },
]  # fmt: skip

CHOICES_AFFECTED = (
    "just_me | 仅我自己 | Only me\nteam | 整个团队 | My whole team\nfloor | 整层楼 | The whole floor"
)
CHOICES_SYSTEM = "windows | Windows 域账号 | Windows domain account\nemail | 企业邮箱 | Email\nerp | ERP | ERP\nvpn | VPN | VPN"
CHOICES_PRINTER = "hp_m428 | HP M428 | HP M428\nricoh_c3004 | 理光 C3004 | Ricoh C3004\ncanon_ir | 佳能 iR-ADV | Canon iR-ADV"
CHOICES_PRODUCTS = "sensor | 传感器 | Sensors\ncontroller | 控制器 | Controllers\ncable | 线缆 | Cables\nservice | 安装服务 | Installation service"

# Categories: (key, name, name_en, parent key, team_en, priority, type, template, [custom fields])
# custom field: (key, label, label_en, type, required, choices)
CATEGORIES: list[tuple[Any, ...]] = [
    ("network", "网络故障", "Network fault", None, "Network", "P2", "incident", "",
     [("affected", "影响范围", "Who is affected", "choice", True, CHOICES_AFFECTED)]),
    ("no_internet", "无法上网", "No internet", "network", "Network", "P2", None,
     "从什么时候开始 / Since when:\n有线还是无线 / Wired or Wi-Fi:\n已经尝试过 / Already tried:", []),
    ("wifi", "Wi-Fi", "Wi-Fi", "network", "Network", "P3", None, "",
     [("ssid", "无线网络名称 (SSID)", "Network name (SSID)", "text", False, "")]),
    ("vpn", "VPN", "VPN", "network", "Network", "P3", None, "", []),
    ("account", "账号异常", "Account issue", None, "IT Support", "P3", "service_request", "", []),
    ("password", "密码重置", "Password reset", "account", "IT Support", "P3", None,
     "账号 / Account:\n最后一次成功登录 / Last successful sign-in:\n是否收到异常登录提醒 / Any unusual sign-in alert:",
     [("system", "系统", "System", "choice", True, CHOICES_SYSTEM)]),
    ("access", "权限申请", "Access request", "account", "IT Support", "P4", None,
     "需要访问的系统或共享目录 / System or shared folder:\n原因 / Reason:",
     [("approver", "审批人", "Approver", "user", False, ""),
      ("needed_by", "需要日期", "Needed by", "date", False, ""),
      ("id_number", "身份证号", "ID card number", "text", False, "")]),
    ("equipment", "设备损坏", "Equipment damage", None, "IT Support", "P3", "maintenance", "",
     [("asset_tag", "资产编号", "Asset tag", "text", False, "")]),
    ("printer", "打印机", "Printer", "equipment", "IT Support", "P3", None, "",
     [("printer_model", "打印机型号", "Printer model", "choice", False, CHOICES_PRINTER)]),
    ("computer", "电脑", "Computer", "equipment", "IT Support", "P3", None, "", []),
    ("aircon", "空调", "Air conditioning", "equipment", "Facilities", "P2", None, "",
     [("room_temperature", "室内温度 (°C)", "Room temperature (°C)", "number", False, "")]),
    ("facilities", "设施报修", "Facilities repair", None, "Facilities", "P3", "maintenance", "", []),
    ("plumbing", "水电", "Plumbing & electrical", "facilities", "Facilities", "P2", None, "", []),
    ("lighting", "照明", "Lighting", "facilities", "Facilities", "P4", None, "", []),
    # Filed only by the approvals demo (no weight below): the 装修审批 flow applies to it.
    ("renovation", "装修申请", "Renovation request", "facilities", "Facilities", "P4", "service_request",
     "装修内容 / Work planned:\n施工单位 / Contractor:",
     [("unit", "房号", "Unit", "text", True, ""), ("deposit", "押金（元）", "Deposit (CNY)", "number", True, ""),
      ("start_date", "计划开工日期", "Planned start", "date", False, "")]),
    ("complaint", "客户投诉", "Customer complaint", None, "Customer Service", "P2", "complaint",
     "订单号 / Order number:\n问题描述 / What went wrong:\n期望的处理方式 / What you would like us to do:",
     [("order_number", "订单号", "Order number", "text", True, ""),
      ("products", "涉及产品", "Products concerned", "multi_choice", False, CHOICES_PRODUCTS),
      ("delivery_date", "交付日期", "Delivery date", "date", False, "")]),
    ("software", "软件与系统", "Software & systems", None, "Application Support", "P3", "service_request", "", []),
    ("email", "邮箱", "Email", "software", "Application Support", "P3", None, "", []),
    ("erp", "ERP 系统", "ERP", "software", "Application Support", "P2", None, "", []),
]  # fmt: skip

# Fields holding personal data: exported and erased with the person, purged by retention (docs/privacy.md);
# the sensitive ones are also stored encrypted (SM4) and shown masked until staff press "Show" (audited).
PERSONAL_FIELDS = {"id_number"}
SENSITIVE_FIELDS = {"id_number"}
# Closed tickets keep their personal data for two years (Settings → Personal data).
RETENTION_MONTHS = 24

# How often each leaf category is reported (relative weights).
CATEGORY_WEIGHTS = {"no_internet": 9, "wifi": 12, "vpn": 7, "password": 16, "access": 7, "printer": 14,
                    "computer": 9, "aircon": 8, "plumbing": 5, "lighting": 4, "complaint": 6, "email": 7,
                    "erp": 6}  # fmt: skip

# What people report: per category, (subject, description) in Chinese and in English.
# "{room}" is replaced with the room the ticket is about.
REPORTS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "no_internet": {
        "zh": [("{room} 网口无法上网", "今天上午开始，工位网线插上后一直显示“无法识别的网络”，重启电脑也没用。"),
               ("整层楼断网了", "{room} 附近的同事都上不了网，内网系统和外网都打不开，影响正常办公。"),
               ("电脑连上网络但打不开网页", "网络图标显示已连接，但浏览器提示 DNS 解析失败。")],
        "en": [("No network at my desk in {room}", "Since this morning the wall port shows 'Unidentified network'. Restarting did not help."),
               ("Whole floor lost internet", "Nobody around {room} can reach the intranet or the internet."),
               ("Connected but pages do not load", "The network icon says connected, but the browser reports a DNS error.")],
    },
    "wifi": {
        "zh": [("Wi-Fi 信号很弱，经常断线", "{room} 的无线信号只有一格，视频会议时每隔几分钟就断一次。"),
               ("访客 Wi-Fi 无法连接", "客户来访，连接访客网络后认证页面打不开。"),
               ("手机连不上公司 Wi-Fi", "输入域账号密码后提示认证失败，电脑可以正常连接。")],
        "en": [("Wi-Fi keeps dropping in {room}", "Signal is one bar and video calls drop every few minutes."),
               ("Guest Wi-Fi portal does not open", "Visitors connect to the guest network but the sign-in page never loads."),
               ("Phone cannot join the office Wi-Fi", "It says authentication failed with my domain password; the laptop works.")],
    },
    "vpn": {
        "zh": [("居家办公 VPN 连接失败", "VPN 客户端提示“证书已过期”，无法访问内网系统。"),
               ("VPN 连上后速度很慢", "打开共享盘文件要几分钟，昨天还正常。")],
        "en": [("VPN fails when working from home", "The VPN client says the certificate has expired."),
               ("VPN is very slow today", "Opening files on the shared drive takes minutes; it was fine yesterday.")],
    },
    "password": {
        "zh": [("域账号被锁定，请帮忙解锁", "输错几次密码后账号被锁，现在无法登录电脑。"),
               ("邮箱密码忘记了", "手机上的邮箱一直提示密码错误，需要重置。"),
               ("ERP 密码过期无法登录", "登录 ERP 时提示密码已过期，修改页面报错。")],
        "en": [("Account locked out", "I mistyped my password a few times and now I cannot sign in."),
               ("Forgot my email password", "My phone keeps asking for the email password; please reset it."),
               ("ERP password expired", "ERP says my password expired and the change page shows an error.")],
    },
    "access": {
        "zh": [("申请财务共享目录访问权限", "新入职，需要访问 \\\\fs01\\finance\\2026 目录，已获得部门经理同意。"),
               ("申请开通 ERP 采购模块权限", "岗位调整，需要开通采购订单查询和审批权限。")],
        "en": [("Access to the sales shared folder", "I joined the sales team and need read access to \\\\fs01\\sales."),
               ("Need ERP purchasing role", "Please add the purchase-order approval role to my account.")],
    },
    "printer": {
        "zh": [("{room} 打印机卡纸", "三楼打印机卡纸，面板显示错误代码 J-13，已经取出纸张仍然报错。"),
               ("打印机无法扫描到邮箱", "扫描后提示“SMTP 连接失败”，文件收不到。"),
               ("打印出来的文件有黑色条纹", "所有文件右侧都有一条黑线，可能是硒鼓问题。")],
        "en": [("Printer jammed on floor 3", "The printer in {room} jammed and still shows error J-13 after removing the paper."),
               ("Scan to email does not arrive", "The printer says 'SMTP connection failed' after scanning."),
               ("Black streaks on every page", "All printouts have a black line down the right side; toner drum?")],
    },
    "computer": {
        "zh": [("笔记本电脑无法开机", "按电源键没有反应，充电指示灯也不亮。"),
               ("电脑运行非常慢", "开机要十分钟，打开 Excel 经常卡死。"),
               ("显示器闪屏", "{room} 工位的外接显示器不停闪烁，换了线也一样。")],
        "en": [("Laptop will not power on", "Nothing happens when I press the power button; the charging light is off."),
               ("Computer is extremely slow", "It takes ten minutes to boot and Excel freezes constantly."),
               ("Monitor flickering", "The external monitor at my desk in {room} keeps flickering.")],
    },
    "aircon": {
        "zh": [("{room} 空调不制冷", "空调一直吹风但是不凉，室内已经二十八度了。"),
               ("空调漏水", "{room} 空调出风口在滴水，地上已经有积水，请尽快处理。"),
               ("空调噪音很大", "开机后有很响的异响，影响开会。")],
        "en": [("Air conditioning not cooling in {room}", "The unit blows air but it is not cold; it is 28 degrees inside."),
               ("Air conditioner leaking water", "Water is dripping from the unit in {room} onto the floor."),
               ("Very noisy air conditioner", "It rattles loudly when running; we cannot hold meetings.")],
    },
    "plumbing": {
        "zh": [("{room} 水龙头漏水", "水龙头关不紧，一直在滴水。"),
               ("插座没电", "{room} 靠窗一排插座都没有电，其他正常。")],
        "en": [("Leaking tap in {room}", "The tap does not close fully and keeps dripping."),
               ("Power sockets dead", "The row of sockets by the window in {room} has no power.")],
    },
    "lighting": {
        "zh": [("{room} 灯管闪烁", "天花板有两根灯管一直闪，眼睛很不舒服。"),
               ("走廊灯不亮", "{room} 外面的走廊灯晚上不亮，存在安全隐患。")],
        "en": [("Flickering lights in {room}", "Two ceiling tubes keep flickering."),
               ("Corridor lights out", "The corridor lights outside {room} are off at night: a safety risk.")],
    },
    "complaint": {
        "zh": [("到货产品外包装破损", "收到的货物外箱严重破损，部分传感器外壳有裂纹，要求换货。"),
               ("安装工程师迟到三小时", "预约上午九点安装，工程师十二点才到，生产线被迫停工。"),
               ("发票信息有误", "发票抬头和税号写错了，请重新开具。")],
        "en": [("Goods arrived damaged", "The outer cartons were crushed and several sensor housings are cracked. We want replacements."),
               ("Installer arrived three hours late", "The installation was booked for 9:00 and the engineer came at 12:00; our line stood still."),
               ("Wrong details on the invoice", "The company name and tax number on the invoice are wrong; please reissue it.")],
    },
    "email": {
        "zh": [("邮箱空间已满", "提示邮箱容量超限，无法收发邮件。"),
               ("外部邮件收不到", "客户说给我发了邮件，但收件箱和垃圾箱都没有。")],
        "en": [("Mailbox full", "Outlook says my mailbox is over its quota; I cannot send or receive."),
               ("External emails not arriving", "A customer sent me two emails that are in neither my inbox nor junk.")],
    },
    "erp": {
        "zh": [("ERP 生成报表报错", "导出月度库存报表时提示“执行超时”。"),
               ("ERP 订单无法提交", "提交采购订单时提示“成本中心无效”。")],
        "en": [("ERP report fails", "Exporting the monthly inventory report times out."),
               ("Cannot submit an order in ERP", "Submitting a purchase order says 'invalid cost centre'.")],
    },
}  # fmt: skip

FIRST_REPLIES = {
    "zh": ["您好，已收到您的工单，我正在处理，稍后给您反馈。", "您好，我已经在排查了，请问方便远程协助吗？",
           "收到，工程师大约 30 分钟后到现场。", "您好，麻烦提供一下相关截图，方便我们定位问题。"],
    "en": ["Hello, I have picked this up and will update you shortly.", "Hi, I am looking into it. Can I connect remotely?",
           "Thanks, an engineer will be on site in about 30 minutes.", "Hello, could you send a screenshot so we can pin this down?"],
}  # fmt: skip
REQUESTER_REPLIES = {
    "zh": ["好的，谢谢！", "截图已发，麻烦看一下。", "今天下午两点以后我都在工位。", "刚试了一下，还是不行。"],
    "en": ["Great, thank you!", "Screenshot sent, please have a look.", "I am at my desk after 2 pm today.", "Just tried again, still failing."],
}  # fmt: skip
WAITING_REPLIES = {
    "zh": ["请问现在问题是否还存在？方便的话请回复一下。", "需要您确认一下账号信息，请回复工号。"],
    "en": ["Is the problem still there? Please let us know.", "Please confirm your employee number so we can proceed."],
}  # fmt: skip
INTERNAL_NOTES = {
    "zh": ["已联系供应商，备件预计明天到货。", "同一交换机下还有其他报障，怀疑是上联端口问题。",
           "用户是 VIP 客户，请优先处理。", "远程查看日志，发现驱动版本过旧。"],
    "en": ["Vendor contacted; the spare part should arrive tomorrow.", "Other reports on the same switch: suspect the uplink port.",
           "VIP customer: please prioritise.", "Checked the logs remotely: the driver is outdated."],
}  # fmt: skip
RESOLUTIONS = {
    "no_internet": ("更换了工位网线并重新配置交换机端口，已恢复。", "Replaced the patch cable and reset the switch port; working again."),
    "wifi": ("调整了 AP 信道并新增一台无线接入点，信号已稳定。", "Moved the access point to a clearer channel and added one more AP; signal is stable."),
    "vpn": ("已更新 VPN 客户端证书，用户确认可以连接。", "Renewed the VPN client certificate; the user can connect."),
    "password": ("已重置密码并解锁账号，提醒用户启用多因素认证。", "Password reset and account unlocked; reminded the user to enable MFA."),
    "access": ("已按审批开通权限。", "Access granted as approved."),
    "printer": ("清理了定影单元的卡纸并更换搓纸轮，测试打印正常。", "Cleared the jam in the fuser and replaced the pickup roller; test prints are fine."),
    "computer": ("更换了电源适配器并更新驱动，运行正常。", "Replaced the power adapter and updated drivers; running normally."),
    "aircon": ("清洗了过滤网并补充冷媒，温度已恢复正常。", "Cleaned the filters and topped up the refrigerant; temperature back to normal."),
    "plumbing": ("更换了阀芯 / 复位了漏电开关，已恢复。", "Replaced the valve cartridge / reset the breaker; fixed."),
    "lighting": ("更换了灯管和镇流器。", "Replaced the tubes and the ballast."),
    "complaint": ("已安排换货并赠送一次免费巡检，客户表示接受。", "Replacement shipped and a free inspection offered; the customer accepted."),
    "email": ("已扩容邮箱并调整了垃圾邮件过滤规则。", "Mailbox quota raised and the spam filter rule adjusted."),
    "erp": ("修正了成本中心主数据并优化了报表查询。", "Fixed the cost-centre master data and tuned the report query."),
}  # fmt: skip
THANKS = {
    "zh": ["问题已解决，非常感谢！", "已经好了，谢谢师傅。"],
    "en": ["All fixed, many thanks!", "Works now, thank you."],
}
TIME_NOTES = {"zh": ["现场排查", "远程处理", "更换配件", "与供应商沟通"],
              "en": ["On-site diagnosis", "Remote fix", "Replaced parts", "Call with the vendor"]}  # fmt: skip
TAGS = {"no_internet": ["network"], "wifi": ["wifi"], "vpn": ["vpn", "remote-work"], "printer": ["hardware"],
        "computer": ["hardware"], "aircon": ["hvac"], "complaint": ["customer"], "erp": ["erp"]}  # fmt: skip

# On call: each team's agents take a week each (handoff Monday 09:00), the lead is the backup; the leads share
# a fallback for tickets that have no team yet, with the manager behind them.
ONCALL_SCHEDULE_NAME = "{team}值班 · {team_en} on call"
ONCALL_FALLBACK = ("组长兜底值班 · Team leads (fallback)", "zhou.min")

# Satisfaction ratings: how often each is given, and what requesters write with them (some say nothing).
CSAT_WEIGHTS = {5: 52, 4: 28, 3: 10, 2: 6, 1: 4}
CSAT_COMMENTS = {
    5: {"zh": ["响应很快，工程师很专业，非常满意！", "当天就解决了，谢谢！", "态度很好，还教了我以后怎么处理。"],
        "en": ["Quick and friendly, thank you!", "Fixed the same day. Great service.",
               "Very patient, and showed me how to avoid it next time."]},
    4: {"zh": ["问题解决了，就是等待时间稍长。", "处理得不错，希望能主动告知进度。"],
        "en": ["Fixed, though it took a while to hear back.", "Good job; an update now and then would help."]},
    3: {"zh": ["解决了，但来回沟通了好几次。"], "en": ["Sorted in the end, after a lot of back and forth."]},
    2: {"zh": ["只是暂时好了，今天又出现同样的问题。", "等了两天才有人联系我。"],
        "en": ["It only worked for a day; the problem is back.", "Nobody updated me for two days."]},
    1: {"zh": ["问题根本没有解决，没和我确认就关单了。"],
        "en": ["Not fixed at all, and closed without checking with me."]},
}  # fmt: skip
LOW_RATING_FOLLOW_UP = {
    "zh": "抱歉给您带来不便，我重新排查并处理了，请再确认一下。",
    "en": "Sorry about that. I have looked into it again and fixed the cause; please check.",
}


# The approvals demo (装修审批 and 权限申请, see src/gongdan/approvals/examples): who reports to whom, and the
# requests left waiting for the demo approvers. (requester, category key, subject, description, custom values)
APPROVAL_MANAGERS = {
    "chen.jing": "zhou.min",
    "sarah.lee": "zhou.min",
    "li.na": "wang.lei",
    "grace.wu": "chen.hao",
}
APPROVAL_REQUESTS = [
    (
        "chen.jing",
        "renovation",
        "3 号楼 1202 室厨房改造",
        "更换橱柜与地砖，预计两周。",
        {"unit": "3-1202", "deposit": 5000},
    ),
    (
        "sarah.lee",
        "renovation",
        "Unit 5-0801: open the wall between living room and study",
        "Remove a non-load-bearing partition and re-wire two sockets.",
        {"unit": "5-0801", "deposit": 20000},
    ),
    ("chen.jing", "access", "申请 ERP 财务模块只读权限", "月底对账需要查看应收账款报表。", {}),
    (
        "sarah.lee",
        "access",
        "Access to the sales shared folder",
        "I joined the sales team and need read access.",
        {},
    ),
    ("li.na", "access", "申请生产数据库管理员权限", "排查一个慢查询。", {}),
]
# Automation rules and macros (gongdan.automation), each name and text in both languages.
AUTOMATION_RULES: list[dict[str, Any]] = [
    {
        "name": "P0/P1 新建：加急并通知组长 · P0/P1 created: urgent, tell the lead",
        "trigger": "created",
        "conditions": [{"field": "priority", "op": "in", "value": ["P0", "P1"]}],
        "actions": [
            {"type": "add_tags", "tags": ["urgent"]},
            {
                "type": "notify",
                "recipients": ["team_lead"],
                "message": "紧急工单 {{number}}：{{subject}} · Urgent ticket {{number}}: {{subject}}",
            },
        ],
    },
    {
        "name": "等待提单人 3 个工作日：提醒 · Waiting on the requester 3 business days: remind",
        "trigger": "time",
        "wait_status": "pending_requester",
        "wait_business_days": 3,
        "actions": [
            {
                "type": "reply",
                "body": "{{requester}} 您好，工单 {{number}} 仍在等待您的回复。如果问题已解决，"
                "请告诉我们；7 个工作日内未回复，工单将自动解决。\n\n"
                "Hello {{requester}}, ticket {{number}} is still waiting for your reply. "
                "If the problem is solved, let us know; without a reply within 7 business "
                "days it will be resolved.",
            }
        ],
    },
    {
        "name": "等待提单人 7 个工作日：解决 · Waiting on the requester 7 business days: resolve",
        "trigger": "time",
        "wait_status": "pending_requester",
        "wait_business_days": 7,
        "actions": [
            {
                "type": "reply",
                "body": "7 个工作日未收到回复，工单 {{number}} 已解决；如仍需帮助，请直接回复重新打开。\n\n"
                "No reply for 7 business days: ticket {{number}} is resolved. Reply to "
                "reopen it if you still need help.",
            },
            {"type": "transition", "action": "resolve"},
        ],
    },
]
# A macro has one name and one text: the Chinese ones are shared with everyone by the manager, the English ones
# kept by each English-speaking agent for themselves (MACROS_EN), so nobody reads a label in two languages.
MACROS: list[dict[str, Any]] = [
    {"name": "密码已重置", "reply_kind": "public",
     "body": "{{requester}} 您好，您的密码已重置，请使用短信中的临时密码登录并尽快修改。\n\n— {{agent}}",
     "actions": [{"type": "add_tags", "tags": ["password"]}]},
    {"name": "需要更多信息", "reply_kind": "public",
     "body": "{{requester}} 您好，为了处理工单 {{number}}，请补充：出现问题的时间、截图或错误信息。\n\n— {{agent}}",
     "actions": [{"type": "transition", "action": "wait_requester"}]},
]  # fmt: skip
MACROS_EN: list[dict[str, Any]] = [
    {"name": "Password reset done", "reply_kind": "public",
     "body": "Hello {{requester}}, your password was reset. Sign in with the temporary password from the text "
             "message and change it soon.\n\n— {{agent}}",
     "actions": [{"type": "add_tags", "tags": ["password"]}]},
    {"name": "Need more information", "reply_kind": "public",
     "body": "Hello {{requester}}, to work on {{number}} we need a little more: when it happens, and a screenshot "
             "or the error message.\n\n— {{agent}}",
     "actions": [{"type": "transition", "action": "wait_requester"}]},
]  # fmt: skip


# A ticket type with a workflow drawn in the editor (decision 0150): 装修审批 with an approval step. Sending the
# application for approval asks the 装修审批 flow; once granted, the ticket moves to "approved" by itself.
DRAWN_WORKFLOW_TYPE = ("renovation_permit", "装修审批", "Renovation permit")


def _state(code: str, name: str, name_en: str, status: str, x: int, y: int) -> dict[str, Any]:
    return {"code": code, "name": name, "name_en": name_en, "status": status, "x": x, "y": y}


def _move(action: str, name: str, name_en: str, source: str, target: str, roles: list[str],
          **rules: Any) -> dict[str, Any]:  # fmt: skip
    return {"action": action, "name": name, "name_en": name_en, "from": source, "to": target, "roles": roles,
            "requires_note": rules.get("requires_note", False), "required_fields": rules.get("required_fields", []),
            "checks": rules.get("checks", []), "approval": rules.get("approval", "")}  # fmt: skip


DRAWN_WORKFLOW = {
    "states": [
        _state("submitted", "已提交", "Submitted", "new", 80, 160),
        _state("approved", "已批准待施工", "Approved, awaiting works", "assigned", 340, 160),
        _state("in_works", "施工中", "Works in progress", "in_progress", 600, 160),
        _state("acceptance", "待业主验收", "Awaiting the owner's acceptance", "pending_requester", 860, 160),
        _state("done", "已完工", "Completed", "resolved", 1120, 160),
        _state("closed", "已归档", "Archived", "closed", 1120, 320),
        _state("withdrawn", "已撤回", "Withdrawn", "cancelled", 80, 320),
    ],
    "transitions": [
        _move(
            "send_for_approval",
            "提交审批",
            "Send for approval",
            "submitted",
            "approved",
            ["agent", "requester"],
            approval="renovation",
        ),
        _move("withdraw", "撤回申请", "Withdraw", "submitted", "withdrawn", ["requester", "agent"]),
        _move(
            "start_works",
            "开工",
            "Start the works",
            "approved",
            "in_works",
            ["agent"],
            required_fields=["assignee"],
        ),
        _move(
            "request_acceptance",
            "申请验收",
            "Ask for acceptance",
            "in_works",
            "acceptance",
            ["assignee", "agent"],
            requires_note=True,
        ),
        _move("accept", "验收通过", "Accept the works", "acceptance", "done", ["requester", "agent"]),
        _move(
            "rework",
            "返工",
            "Send back for rework",
            "acceptance",
            "in_works",
            ["requester", "agent"],
            requires_note=True,
        ),
        _move("archive", "归档", "Archive", "done", "closed", ["agent", "requester"]),
    ],
}
DRAWN_WORKFLOW_TICKETS = [
    ("chen.jing", "3 号楼 0502 室阳台封闭", "阳台加装断桥铝窗，施工约五天。", True),
    (
        "sarah.lee",
        "Unit 2-1101: replace the bathroom floor",
        "New tiles and waterproofing; about a week.",
        False,
    ),
]
