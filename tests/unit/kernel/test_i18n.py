from zhiliang.kernel.i18n import Translator, negotiate


def test_chinese_first_with_explicit_switches():
    assert negotiate(None, None) == "zh"
    assert negotiate(None, "en") == "en"
    assert negotiate("zh", "en") == "zh"
    assert negotiate("fr", None) == "zh"
    assert negotiate(None, None, default="en") == "en"


def test_translator_picks_the_pair_and_vocabulary():
    assert Translator("zh")("企业", "Enterprise") == "企业"
    assert Translator("en")("企业", "Enterprise") == "Enterprise"
    assert Translator("en").word("role.regulator") == "Regulator"
    assert Translator("zh").word("unknown.key") == "unknown.key"
