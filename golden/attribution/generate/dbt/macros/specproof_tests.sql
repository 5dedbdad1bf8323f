{# The spec's tests dbt has no built-in generic test for (spec-format.md, "Tests named in the spec"). #}

{% test specproof_accepted_range(model, column_name, min_value=none, max_value=none) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {% if min_value is not none %} or {{ column_name }} < ({{ min_value }}) {% endif %}
    {% if max_value is not none %} or {{ column_name }} > ({{ max_value }}) {% endif %}
  )
{% endtest %}

{# NULL is not true: a row where the expression is unknown fails. #}
{% test specproof_expression(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}

{% test specproof_unique_combination(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
