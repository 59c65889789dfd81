"""Every heading of the outline appears, in order, in its chapter notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"

# Chapter titles and ### / #### headings of the outline, per chapter notebook.
OUTLINE = {
    "ch01_background.ipynb": [
        "第1章 背景介绍",
        "1.1 大语言模型的兴起",
        "1.1.1 自然语言处理的发展历程",
        "1.1.2 Transformer架构的突破",
        "1.1.3 预训练语言模型的崛起",
        "1.2 动态交互的重要性",
        "1.2.1 传统静态模型的局限性",
        "1.2.2 动态交互带来的新机遇",
        "1.2.3 实时响应用户需求的必要性",
        "1.3 本文的目标与贡献",
        "1.3.1 探索大语言模型动态交互的原理",
        "1.3.2 分享工程实践经验",
        "1.3.3 展望未来发展方向",
    ],
    "ch02_concepts.ipynb": [
        "第2章 核心概念与联系",
        "2.1 大语言模型",
        "2.1.1 定义与特点",
        "2.1.2 训练数据与目标",
        "2.1.3 应用场景",
        "2.2 动态交互",
        "2.2.1 定义与特点",
        "2.2.2 与静态模型的区别",
        "2.2.3 技术挑战",
        "2.3 大语言模型与动态交互的结合",
        "2.3.1 动态适应用户意图",
        "2.3.2 实时生成回复",
        "2.3.3 个性化交互体验",
    ],
    "ch03_algorithms.ipynb": [
        "第3章 核心算法原理与具体操作步骤",
        "3.1 预训练阶段",
        "3.1.1 无监督预训练",
        "3.1.2 掩码语言模型(Masked Language Model)",
        "3.1.3 次字词切分(Subword Tokenization)",
        "3.2 微调阶段",
        "3.2.1 有监督微调",
        "3.2.2 提示学习(Prompt Learning)",
        "3.2.3 上下文学习(Context Learning)",
        "3.3 推理阶段",
        "3.3.1 解码策略",
        "3.3.2 束搜索(Beam Search)",
        "3.3.3 核采样(Nucleus Sampling)",
        "3.4 动态交互的实现",
        "3.4.1 实时编码用户输入",
        "3.4.2 基于上下文的响应生成",
        "3.4.3 迭代优化交互质量",
    ],
    "ch04_math.ipynb": [
        "第4章 数学模型和公式详细讲解举例说明",
        "4.1 Transformer的数学原理",
        "4.1.1 自注意力机制(Self-Attention)",
        "4.1.2 多头注意力(Multi-Head Attention)",
        "4.1.3 前馈神经网络(Feed-Forward Network)",
        "4.2 语言模型的概率建模",
        "4.2.1 n-gram语言模型",
        "4.2.2 神经网络语言模型",
        "4.3 动态交互的数学建模",
        "4.3.1 马尔可夫决策过程(Markov Decision Process)",
        "4.3.2 强化学习(Reinforcement Learning)",
    ],
    "ch05_practice.ipynb": [
        "第5章 项目实践：代码实例和详细解释说明",
        "5.1 数据准备",
        "5.1.1 数据收集与清洗",
        "5.1.2 数据预处理与特征工程",
        "5.1.3 数据集划分与格式转换",
        "5.2 模型训练",
        "5.2.1 模型构建与初始化",
        "5.2.2 损失函数与优化器选择",
        "5.2.3 训练循环与参数更新",
        "5.3 模型评估与推理",
        "5.3.1 评估指标选择",
        "5.3.2 在验证集上进行评估",
        "5.3.3 测试集上的推理与结果分析",
        "5.4 动态交互的实现",
        "5.4.1 实时接收用户输入",
        "5.4.2 编码用户输入并生成回复",
        "5.4.3 迭代优化交互体验",
    ],
    "ch06_applications.ipynb": [
        "第6章 实际应用场景",
        "6.1 智能客服",
        "6.1.1 客户咨询自动应答",
        "6.1.2 个性化服务推荐",
        "6.1.3 情感分析与用户满意度评估",
        "6.2 虚拟助手",
        "6.2.1 日程管理与提醒",
        "6.2.2 信息检索与知识问答",
        "6.2.3 任务自动化执行",
        "6.3 教育与培训",
        "6.3.1 智能辅导与答疑",
        "6.3.2 个性化学习路径推荐",
        "6.3.3 互动式教学内容生成",
    ],
    "ch07_resources.ipynb": [
        "第7章 工具和资源推荐",
        "7.1 开源框架",
        "7.1.1 Transformers (Hugging Face)",
        "7.1.2 Fairseq (Facebook)",
        "7.1.3 OpenNMT (Harvard NLP)",
        "7.2 预训练模型",
        "7.2.1 BERT (Google)",
        "7.2.2 GPT-2/3 (OpenAI)",
        "7.2.3 RoBERTa (Facebook)",
        "7.3 数据集",
        "7.3.1 Wikipedia",
        "7.3.2 Common Crawl",
        "7.3.3 Reddit Comments",
    ],
    "ch08_future.ipynb": [
        "第8章 总结：未来发展趋势与挑战",
        "8.1 模型的持续优化",
        "8.1.1 模型架构的改进",
        "8.1.2 训练策略的创新",
        "8.1.3 知识的引入与融合",
        "8.2 人机交互的升级",
        "8.2.1 多模态交互",
        "8.2.2 个性化与情感化",
        "8.2.3 主动式交互",
        "8.3 伦理与安全",
        "8.3.1 隐私保护",
        "8.3.2 公平性与无偏见",
        "8.3.3 可解释性与可控性",
    ],
    "ch09_faq.ipynb": [
        "第9章 附录：常见问题与解答",
        "9.1 大语言模型的局限性",
        "9.1.1 数据偏见与泛化能力",
        "9.1.2 计算资源需求",
        "9.1.3 可解释性不足",
        "9.2 动态交互的技术挑战",
        "9.2.1 实时性与响应速度",
        "9.2.2 上下文理解与一致性",
        "9.2.3 开放域对话生成质量",
        "9.3 未来研究方向",
        "9.3.1 低资源语言的支持",
        "9.3.2 跨语言与多语言模型",
        "9.3.3 领域自适应与迁移学习",
    ],
}


def headings(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [m.group(1).strip() for m in re.finditer(r"^#{1,4} (.+)$", text, flags=re.M)]


@pytest.mark.parametrize("name", sorted(OUTLINE))
def test_outline_headings_in_order(name):
    found = headings(NOTEBOOKS / name)
    positions = [found.index(h) if h in found else -1 for h in OUTLINE[name]]
    missing = [h for h, p in zip(OUTLINE[name], positions) if p < 0]
    assert not missing, f"missing headings: {missing}"
    assert positions == sorted(positions), "headings are out of order"


@pytest.mark.parametrize("name", sorted(OUTLINE))
def test_chapter_has_exercises(name):
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    assert "练习" in headings(NOTEBOOKS / name)
    checks = [c for c in cells if c["cell_type"] == "code" and "check_" in "".join(c["source"])]
    assert len(checks) >= 3


def test_every_chapter_notebook_is_in_the_toc():
    toc = (Path(__file__).parent.parent / "_toc.yml").read_text(encoding="utf-8")
    for path in NOTEBOOKS.glob("ch*.ipynb"):
        assert f"notebooks/{path.stem}" in toc


def test_chapter_links_point_to_chapters():
    for path in NOTEBOOKS.glob("ch*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert not re.search(r"\[\[[^\]]*\]\(ch\d\d", text), f"{path.name}: a link inside a link"
        for target in re.findall(r"\]\((ch\d\d_\w+)\.ipynb\)", text):
            assert (NOTEBOOKS / f"{target}.ipynb").exists(), f"{path.name} links to {target}"
