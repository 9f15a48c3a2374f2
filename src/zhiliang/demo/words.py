"""Vocabularies of the demo city: brand words, people's names, streets, districts and the small code lists.

Data only. Every word is invented or generic; no list names a real company or person. Order matters: the
generators give earlier entries higher (Zipf-like) weight, so the most common words come first.
"""

from __future__ import annotations


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Two-character brand words (字号), most frequent first. Words that are district names are left out, so a name
# never reads as if it belonged to two districts.
BRANDS = _split("""
恒达 鑫源 华美 永盛 宏图 金山 天元 博瑞 瑞丰 嘉禾 和顺 宝丰 富源 泰和 东方 昌盛 德润 海川 新泰 佳美
明华 荣达 祥云 源通 达丰 汇通 中泰 巴渝 山城 渝康 天府 长江 嘉陵 缙云 歌乐 金佛 华岩 鹅岭 朝天 南山
鸿运 万通 恒信 宏达 正大 广源 聚福 福瑞 兴隆 兴旺 兴业 振华 振兴 华兴 创新 创业 锦华 锦程 锦绣 前程
远航 远大 腾飞 腾达 飞跃 卓越 卓远 优品 优创 智汇 智联 智达 慧通 慧源 科创 科达 科瑞 科华 联创 联华
合力 合众 同心 同创 众诚 诚信 诚达 信达 信和 德信 德胜 德隆 隆盛 隆兴 盛世 盛达 盛源 源丰 丰泽 丰华
丰收 丰源 润泽 润华 润达 泽丰 泽华 华泰 华瑞 华通 华宇 华创 华信 华盛 宇通 宇航 宇泰 天宇 天成 天骄
天润 天一 天泽 天瑞 金诚 金桥 金鼎 金盾 金帆 金鹰 金穗 金泰 银河 银泰 宝鼎 宝利 宝华 富华 富通 富康
康泰 康达 康源 康华 安泰 安康 安达 安顺 顺达 顺和 鼎盛 鼎立 鼎新 立信 立达 立新 新达 新元 新宇 新锐
锐达 锐思 思源 思创 正源 正通 正信 正阳 阳光 朝阳 旭日 旭东 东升 东华 东兴 东泰 南方 北辰 辰光 星辰
星光 明星 明珠 明德 明辉 光明 光华 辉煌 弘毅 弘达 宏远 宏泰 宏盛 鸿达 鸿福 鸿鑫 鑫达 鑫盛 鑫隆 鑫鼎
鑫海 海达 海纳 纳川 百川 百盛 百汇 千禾 万家 万顺 万福 亿达 亿丰 亿隆 佳禾 佳华 佳信 嘉信 嘉华 嘉诚
嘉泰 嘉利 利民 利达 利丰 民丰 民康 惠民 惠通 惠丰 博源 博达 博雅 雅致 致远 远景 景泰 景华 景和 和美
和信 和泰 美达 美嘉 美佳 蓝天 碧水 青山 绿源 绿洲 绿野 春晖 春华 秋实 冬青 松柏 翠峰 峰华 山水 江南
江城 渝都 巴山 夔门 三峡 白帝 武陵 大巴 蜀道 川渝 金江 玉龙 玉泉 泉源 清泉 甘泉 凯达 凯旋 凯瑞 瑞达
瑞祥 祥和 吉祥 吉安 如意 福星 福达 福源 福满 满堂 荣华 荣盛 荣泰 欣达 欣荣 昕宇 晨曦 曙光 启明 启航
航宇 开元 开泰 泰丰 九鼎 三和 四方 五洲 六合 七星 八方 九州 十全 一品 上品 尚品 臻品 精诚 精工 匠心
恒通 恒源 恒丰 恒泰 恒瑞 恒昌 永安 永泰 永兴 永达 永丰 永和
""")

# Common surnames, most frequent first (national frequency order, with the Chongqing-frequent 向 谭 冉 牟 raised).
SURNAMES = _split("""
王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 罗 高 林 郑 谢 唐 邓 曾 彭 冯 谭 向 梁 宋 许 韩 曹 肖
田 董 袁 潘 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 冉 姜 崔 钟 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹
孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 牟 武 戴 莫 孔 汤
""")
GIVEN = _split("""
伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 玉 兰 萍 红 鹏 飞 宇 浩 凯 健
俊 帆 帅 旭 宁 琳 欣 怡 婷 雪 梅 莉 丹 倩 颖 佳 晨 阳 鑫 博 文 斌 建 国 峰 辉 林 海 波 亮 成 兵 春 燕
晓 东 志 光 荣 德 江 川 渝 蓉 晶 露 悦 彤 思 雨 诗 涵 子 轩 睿 哲 昊 然 瑶 琪 嘉 一 泽 锦 航 铭
""")

# Street words: generic, or common in Chongqing's cityscape; combined with a suffix and a number.
STREETS = _split("""
人民 解放 建设 和平 学府 科园 滨江 南滨 民族 民生 中山 新华 光明 胜利 文化 工业 长江 嘉陵 渝州 石桥
龙溪 金开 杨家坪 石坪 天星桥 高新 创业 兴业 双碑 土湾 大坪 花园 白鹤 金山 翠柏 云湖 黄桷 桂花 青龙
""")
STREET_SUFFIXES = (("路", 60), ("大道", 15), ("街", 15), ("支路", 5), ("正街", 5))

# 重庆市 districts of the demo (GB/T 2260 code, weight): the central districts carry more entities. 江北区 and
# 渝北区 are inside 两江新区 (500157) in the bundled table.
DISTRICTS = (
    ("500157", 18), ("500103", 14), ("500107", 14), ("500106", 12), ("500108", 12), ("500113", 8),
    ("500109", 7), ("500104", 5), ("500116", 5), ("500120", 4), ("500117", 4), ("500118", 4),
    ("500102", 4), ("500101", 4), ("500115", 3),
)
CITY = "500000"

# 登记状态 codes and their weights; the Chinese word written to CSV files comes from domain.STATUS_LABELS.
STATUSES = (("active", 880), ("revoked", 50), ("cancelled", 50), ("suspended", 10), ("liquidating", 5),
            ("moved_out", 5))

# Certification bodies and laboratories.
CB_WORDS = _split("""
华夏 中汇 国信 博思 正信 环宇 中标 恒标 卓信 方圆 天信 华认 中认 远东 国标 永信 九州 联信 诚标 兴标
华质 中质 信达 金标 海纳 卓标 鼎信 英标 安信 寰宇 北辰 中衡 华衡 世标 信标 中正 正衡 嘉信 泰信 中联
""")
CB_FORMS = ("认证中心有限公司", "认证有限公司", "认证服务有限公司", "质量认证有限公司", "检验认证有限公司")
CB_TYPES = ("QMS", "EMS", "OHSMS", "FSMS", "HACCP", "ISMS", "EnMS", "CCC", "GREEN", "ORGANIC", "LOWCARBON",
            "SERVICE")
CB_DIVISIONS = (("500103", 4), ("500157", 4), ("500106", 2), ("500108", 2), ("110105", 3), ("110108", 3),
                ("310115", 2), ("440305", 1), ("510107", 1))
LAB_FORMS = ("检验检测有限公司", "质量检测技术有限公司", "检测技术服务有限公司", "计量检测研究院有限公司",
             "检测认证有限公司")
TEST_ITEMS = _split("""
食品微生物 食品添加剂 农药残留 兽药残留 重金属 电线电缆 玩具安全 纺织品安全 家具有害物质 建筑材料 混凝土
钢筋力学性能 电气安全 电磁兼容 汽车零部件 摩托车 压力容器 化妆品 药品包装材料 塑料制品 水质 室内空气 土壤
计量器具 医疗器械 化肥 涂料 燃气用具 儿童用品 电子电器 机动车尾气 焊接材料 消防产品
""")

# Regulators and experts.
DEPARTMENTS = ("质量监督科", "认证监督管理科", "食品生产安全监督管理科", "产品质量安全监督管理科", "信用监督管理科",
               "执法稽查支队")
CITY_ONLY_DEPARTMENTS = ("执法稽查支队",)
SKILLS = ("食品生产", "工业产品", "认证活动", "计量", "特种设备", "广告", "价格")
EXPERT_SKILLS = ("食品安全", "机械安全", "电气安全", "化工", "建材", "认证审核", "标准化", "计量", "统计技术",
                 "风险评估")
EXPERT_FORMS = ("技术研究院", "工程研究中心", "质量技术研究所", "职业技术学院")
CITY_BUREAU = "重庆市市场监督管理局"
