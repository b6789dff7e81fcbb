FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY riskgraph ./riskgraph
RUN pip install --no-cache-dir .
RUN useradd --system --home /var/lib/riskgraph riskgraph && mkdir -p /var/lib/riskgraph && chown riskgraph /var/lib/riskgraph
USER riskgraph
ENTRYPOINT ["riskgraph"]
